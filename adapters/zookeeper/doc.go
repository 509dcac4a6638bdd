// Package zookeeper implements ports.MetadataStore on Apache ZooKeeper in
// Hermes's own znode layout, so a tree written by Hermes is readable and
// the other way round:
//
//	{root}/groups/{group}                                      Group JSON
//	{root}/groups/{group}/topics/{topic}                       Topic JSON
//	{root}/groups/{group}/topics/{topic}/subscriptions/{sub}   Subscription JSON
//
// createdAt and modifiedAt are not stored: they are the znode's ctime and
// mtime, as in Hermes. Watch is served by a tree cache built on ZooKeeper
// watches, so it sees the changes of every process.
package zookeeper
