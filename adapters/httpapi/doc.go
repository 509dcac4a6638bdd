// Package httpapi is the driving HTTP adapter: the Hermes management REST
// API (NewManagement, port 8090, over ports.Management) and the frontend
// publish API (NewFrontend, port 8080, over ports.Publisher). It speaks
// Hermes's wire format: its paths, status codes and error JSON
// {"message": ..., "code": ...}; errors.go holds the one table from domain
// sentinel errors to HTTP status and Hermes error code.
package httpapi
