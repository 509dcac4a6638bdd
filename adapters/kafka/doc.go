// Package kafka stores Hermes messages in Apache Kafka through franz-go. It
// implements ports.MessageProducer (Producer), ports.MessageStoreAdmin
// (Admin) and ports.MessageConsumerFactory (ConsumerFactory), and can start
// an in-process kfake broker (Embedded) for the zero-config default and
// tests.
//
// Records are written the way Hermes writes them: key = Partition-Key, JSON
// values wrapped as {"_w":true,"metadata":{...},"message":<body>}, headers
// "id", "sv" and "h-<name>". Topic and consumer group names follow Hermes
// (domain.KafkaTopicName, domain.ConsumerGroupID), so Hermes and Hermes-Go
// can share a cluster.
package kafka
