// Package app holds Hermes-Go's use cases: publishing (PublishMessage),
// managing groups, topics and subscriptions (Management) and delivering
// messages to subscribers (Deliverer). It depends on ports and domain only;
// app/wiring binds the adapters.
package app
