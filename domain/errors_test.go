package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/domain"
)

func TestErrorf(t *testing.T) {
	t.Parallel()
	err := domain.Errorf(domain.ErrTopicNotFound, "Topic %s not found", "g.t")

	assert.ErrorIs(t, err, domain.ErrTopicNotFound)
	assert.NotErrorIs(t, err, domain.ErrValidation)
	assert.Equal(t, "Topic g.t not found", err.Error())
	assert.Equal(t, "Topic g.t not found", domain.ErrorMessage(err))

	wrapped := fmt.Errorf("zookeeper: read: %w", err)
	assert.ErrorIs(t, wrapped, domain.ErrTopicNotFound)
	assert.Equal(t, "Topic g.t not found", domain.ErrorMessage(wrapped), "the human message survives wrapping")

	var de *domain.Error
	assert.True(t, errors.As(wrapped, &de))
	assert.Equal(t, domain.ErrTopicNotFound, de.Kind)
}

func TestErrorMessageOfPlainErrors(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "unavailable", domain.ErrorMessage(domain.ErrUnavailable))
	err := fmt.Errorf("kafka: produce: %w: %w", domain.ErrUnavailable, errors.New("broker down"))
	assert.Equal(t, err.Error(), domain.ErrorMessage(err))
	assert.ErrorIs(t, err, domain.ErrUnavailable)
}

func TestErrorMessageUsesOutermostError(t *testing.T) {
	t.Parallel()
	inner := domain.Errorf(domain.ErrUnavailable, "inner")
	outer := domain.Errorf(domain.ErrConflict, "outer: %v", inner)
	assert.Equal(t, "outer: inner", domain.ErrorMessage(outer))
	assert.ErrorIs(t, outer, domain.ErrConflict)
}
