// Command subscribe follows the alerts with a durable consumer of its own:
// stopped and started again, it catches up on what it missed.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func main() {
	nc, err := nats.Connect(os.Getenv("NATS_URL")) // "" is nats://127.0.0.1:4222
	if err != nil {
		log.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	cons, err := js.CreateOrUpdateConsumer(context.Background(), "ALERTS", jetstream.ConsumerConfig{
		Durable: "my-app", FilterSubject: "alerts.>", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		log.Fatal(err)
	}
	it, err := cons.Messages()
	if err != nil {
		log.Fatal(err)
	}
	for {
		msg, err := it.Next()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %s\n", msg.Subject(), msg.Data()) // the alert's JSON
		_ = msg.Ack()
	}
}
