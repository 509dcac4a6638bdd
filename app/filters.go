package app

import (
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// WithJSONPath enables jsonpath filters, compiled by c. Without it a
// subscription with a jsonpath filter is refused.
func (m *Management) WithJSONPath(c ports.JSONPathCompiler) *Management {
	m.jsonPath = c
	return m
}

// CompileFilters compiles filter specs as deliveries apply them (header
// and jsonpath; avropath filters pass, they are applied to decoded Avro).
// Errors wrap domain.ErrValidation.
func (m *Management) CompileFilters(specs []domain.MessageFilter) (domain.Filters, error) {
	return domain.CompileFilters(specs, m.jsonPath)
}

// WithJSONPath enables jsonpath filters, compiled by c. Without it a
// subscription with a jsonpath filter is not delivered (Management refuses
// to create one).
func (d *Deliverer) WithJSONPath(c ports.JSONPathCompiler) *Deliverer {
	d.jsonPath = c
	return d
}
