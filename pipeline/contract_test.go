package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// The contract suite on the smallest stage there is: it copies raw
// articles to articles.new.<token>, refusing what is not JSON.
func TestContractOnAnEchoStage(t *testing.T) {
	t.Parallel()
	echo := func(_ context.Context, m pipeline.Message) (pipeline.Result, error) {
		if !strings.HasPrefix(string(m.Data), "{") {
			return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("not JSON: %q", m.Data))
		}
		tok := strings.TrimPrefix(m.Subject, pipeline.SubjectRaw+".")
		return pipeline.Outputs(pipeline.Output{Subject: pipeline.Subject(pipeline.SubjectNew, tok), MsgID: pipeline.ArticleMsgID("echo", tok), Data: m.Data}), nil
	}
	pipelinetest.RunContract(t, pipelinetest.Contract{
		Spec:          pipeline.ConsumerSpec{Stage: "echo", Stream: pipeline.StreamRaw, Subject: pipeline.All(pipeline.SubjectRaw)},
		Handler:       func(*testing.T, jetstream.JetStream) pipeline.Handler { return echo },
		Input:         func(_ *testing.T, i int) (string, []byte) { return fmt.Sprintf("articles.raw.a%d", i), []byte(`{}`) },
		Outputs:       1,
		OutputStreams: []string{pipeline.StreamArticles},
		Poison:        func(*testing.T) (string, []byte) { return "articles.raw.poison", []byte("poison") },
	})
}
