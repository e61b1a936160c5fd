package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	failing := func(err error) Handler {
		return func(context.Context, Message) (Result, error) { return Result{}, err }
	}
	transient := errors.New("try again")
	tests := []struct {
		name      string
		err       error
		delivered uint64
		permanent bool
	}{
		{"success", nil, 1, false},
		{"transient early", transient, 1, false},
		{"transient on the last delivery", transient, MaxDeliver, true},
		{"permanent at once", Permanent(transient), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Classify(MaxDeliver)(failing(tt.err))(context.Background(), Message{Delivered: tt.delivered})
			assert.Equal(t, tt.permanent, errors.Is(err, ErrPermanent))
			if tt.err != nil {
				require.ErrorIs(t, err, transient)
				assert.Equal(t, "try again", err.Error(), "the reason is kept as it was")
			}
		})
	}
}

func TestRecoverAndTimeout(t *testing.T) {
	t.Parallel()
	panicking := func(context.Context, Message) (Result, error) { panic("boom") }
	_, err := Recover()(panicking)(context.Background(), Message{})
	require.ErrorIs(t, err, ErrPermanent)
	assert.Contains(t, err.Error(), "boom")

	slow := func(ctx context.Context, _ Message) (Result, error) {
		<-ctx.Done()
		return Result{}, ctx.Err()
	}
	_, err = Timeout(10*time.Millisecond)(slow)(context.Background(), Message{})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestMeasure(t *testing.T) {
	t.Parallel()
	var s StageStats
	ok := func(context.Context, Message) (Result, error) { return Outputs(Output{}, Output{}), nil }
	bad := func(context.Context, Message) (Result, error) { return Result{}, errors.New("x") }
	worse := func(context.Context, Message) (Result, error) { return Result{}, Permanent(errors.New("x")) }
	for _, h := range []Handler{ok, ok, bad, worse} {
		_, _ = Measure(&s)(h)(context.Background(), Message{})
	}
	assert.Equal(t, uint64(2), s.processed.Load())
	assert.Equal(t, uint64(4), s.published.Load())
	assert.Equal(t, uint64(1), s.retries.Load(), "only the transient failure is retried")
}

func TestChainOrder(t *testing.T) {
	t.Parallel()
	var order []string
	mw := func(name string) Middleware {
		return func(next Handler) Handler {
			return func(ctx context.Context, m Message) (Result, error) {
				order = append(order, name)
				return next(ctx, m)
			}
		}
	}
	h := Chain(func(context.Context, Message) (Result, error) { order = append(order, "handler"); return Result{}, nil }, mw("outer"), mw("inner"))
	_, _ = h(context.Background(), Message{})
	assert.Equal(t, []string{"outer", "inner", "handler"}, order)
}
