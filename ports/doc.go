// Package ports declares the interfaces the Hermes-Go core needs, driven
// (message store, metadata store, metrics, tracker, sender) and driving
// (the use cases the HTTP adapters call). Unlike the hexagonal examples that
// keep only driving handlers in "ports", here every interface lives here;
// adapters implement them and app/wiring binds them with fx.
//
// Method comments are contracts: what blocks, what is safe concurrently,
// which sentinel errors of package domain come back.
package ports
