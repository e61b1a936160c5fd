package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// rawHops is how many pull-consume, republish and ack hops the raw model
// makes after its first publish: as many as the pipeline (dedup, tagger,
// alerter after the poller's publish).
const rawHops = 3

// rawModel is JetStream alone doing what the pipeline's transport does:
// n messages of size bytes published asynchronously into a stream, then
// carried through rawHops streams, each by a durable pull consumer that
// fetches a batch, republishes it with Msg-Ids, waits for the
// acknowledgements and acks its inputs. No processing. It returns the time
// from the first publish to the last message stored in the last stream.
func rawModel(ctx context.Context, js jetstream.JetStream, n, size int) (time.Duration, error) {
	names := make([]string, rawHops+1)
	for i := range names {
		names[i] = "MWBENCH_" + strconv.Itoa(i)
		_ = js.DeleteStream(ctx, names[i])
		_, err := js.CreateStream(ctx, jetstream.StreamConfig{
			Name: names[i], Subjects: []string{rawSubject(i)}, Storage: jetstream.FileStorage, Duplicates: 2 * time.Minute,
		})
		if err != nil {
			return 0, fmt.Errorf("raw model: create stream: %w", err)
		}
	}
	defer func() {
		for _, name := range names {
			_ = js.DeleteStream(context.WithoutCancel(ctx), name)
		}
	}()

	hctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan error, rawHops)
	for i := range rawHops {
		cons, err := js.CreateOrUpdateConsumer(ctx, names[i], jetstream.ConsumerConfig{
			Durable: "hop", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute, MaxAckPending: 10000,
		})
		if err != nil {
			return 0, fmt.Errorf("raw model: create consumer: %w", err)
		}
		wg.Go(func() {
			if err := hop(hctx, js, cons, i); err != nil && hctx.Err() == nil {
				errs <- err
			}
		})
	}

	payload := make([]byte, size)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	start := time.Now()
	for k := range n {
		m := nats.NewMsg(rawSubject(0))
		m.Data = payload
		m.Header.Set(jetstream.MsgIDHeader, "pub:"+strconv.Itoa(k))
		if _, err := js.PublishMsgAsync(m); err != nil {
			return 0, fmt.Errorf("raw model: publish: %w", err)
		}
	}
	last, err := js.Stream(ctx, names[rawHops])
	if err != nil {
		return 0, fmt.Errorf("raw model: %w", err)
	}
	for {
		info, err := last.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("raw model: %w", err)
		}
		if info.State.Msgs >= uint64(n) {
			elapsed := time.Since(start)
			stop()
			wg.Wait()
			return elapsed, nil
		}
		select {
		case err := <-errs:
			return 0, err
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func rawSubject(i int) string { return "mwbench." + strconv.Itoa(i) }

// hop carries stream i into stream i+1.
func hop(ctx context.Context, js jetstream.JetStream, cons jetstream.Consumer, i int) error {
	for ctx.Err() == nil {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			return fmt.Errorf("raw model: fetch: %w", err)
		}
		var msgs []jetstream.Msg
		var futures []jetstream.PubAckFuture
		for msg := range batch.Messages() {
			meta, err := msg.Metadata()
			if err != nil {
				return fmt.Errorf("raw model: %w", err)
			}
			out := nats.NewMsg(rawSubject(i + 1))
			out.Data = msg.Data()
			out.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("hop%d:%d", i, meta.Sequence.Stream))
			f, err := js.PublishMsgAsync(out)
			if err != nil {
				return fmt.Errorf("raw model: publish: %w", err)
			}
			msgs = append(msgs, msg)
			futures = append(futures, f)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			return fmt.Errorf("raw model: fetch: %w", err)
		}
		for k, f := range futures {
			select {
			case <-f.Ok():
				_ = msgs[k].Ack()
			case err := <-f.Err():
				return fmt.Errorf("raw model: publish: %w", err)
			case <-ctx.Done():
				return nil
			}
		}
	}
	return nil
}
