package ports

import "github.com/hermes-go/hermes/domain"

// JSONPathCompiler compiles the paths of jsonpath subscription filters
// (adapters/jsonpath). It is declared in domain, where the filter
// semantics live, so domain.CompileFilters can take it.
type JSONPathCompiler = domain.JSONPathCompiler
