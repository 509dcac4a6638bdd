package app

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.FilterService = (*Management)(nil)

// VerifyFilters implements ports.FilterService as Hermes's FilteringService:
// the filters run in order as a chain and the first that rejects decides;
// one that cannot be evaluated rejects with its error as errorMessage.
func (m *Management) VerifyFilters(ctx context.Context, topic string, filters []domain.MessageFilter, message []byte) (ports.FiltersVerification, error) {
	t, err := m.GetTopic(ctx, topic)
	if err != nil {
		return ports.FiltersVerification{}, err
	}
	compiled := make([]domain.Filters, len(filters))
	matchers := make([]*regexp.Regexp, len(filters)) // of the avropath filters
	for i, spec := range filters {
		if spec.Type == "avropath" {
			if matchers[i], err = regexp.Compile(`^(?:` + spec.Matcher + `)$`); err != nil {
				return ports.FiltersVerification{}, domain.Errorf(domain.ErrValidation, "filter matcher %q: %v", spec.Matcher, err)
			}
			continue
		}
		if compiled[i], err = m.CompileFilters([]domain.MessageFilter{spec}); err != nil {
			return ports.FiltersVerification{}, err
		}
	}
	body := message
	var avro ports.AvroSchema
	if t.ContentType == domain.ContentTypeAvro && m.schemas != nil {
		if _, avro, err = m.schemas.load(ctx, t.QualifiedName(), 0); err != nil {
			return ports.FiltersVerification{}, err
		}
		if !json.Valid(message) {
			return verification(ports.FiltersError, "Failed to parse json to map format."), nil
		}
		if body, err = avro.FromJSON(message); err != nil {
			return verification(ports.FiltersError, domain.ErrorMessage(err)), nil
		}
	}
	for i, spec := range filters {
		var ok bool
		var err error
		if spec.Type == "avropath" {
			ok, err = avroPathPasses(avro, spec, matchers[i], body)
		} else {
			res := compiled[i].Apply(body, nil)
			ok, err = res.Passed, res.Err
		}
		if err != nil {
			return verification(ports.FiltersNotMatched, domain.ErrorMessage(err)), nil
		}
		if !ok {
			return ports.FiltersVerification{Status: ports.FiltersNotMatched}, nil
		}
	}
	return ports.FiltersVerification{Status: ports.FiltersMatched}, nil
}

func verification(status, msg string) ports.FiltersVerification {
	return ports.FiltersVerification{Status: status, ErrorMessage: &msg}
}

// avroPathPasses is one avropath filter (Hermes's AvroPathPredicate): it
// fails on a topic that is not AVRO; all (default) or any selected value
// must match; nothing selected does not pass.
func avroPathPasses(c ports.AvroSchema, spec domain.MessageFilter, re *regexp.Regexp, body []byte) (bool, error) {
	if c == nil {
		return false, domain.Errorf(domain.ErrValidation, "avropath filter applied to a message that is not Avro")
	}
	values, err := c.Select(body, spec.Path)
	if err != nil {
		return false, err
	}
	if len(values) == 0 {
		return false, nil
	}
	anyOf := strings.EqualFold(spec.MatchingStrategy, "any")
	for _, v := range values {
		if re.MatchString(v) == anyOf {
			return anyOf, nil
		}
	}
	return !anyOf, nil
}
