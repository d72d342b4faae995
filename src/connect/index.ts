/** The connectors, as the package subpath `cepheus/connect`: the Kafka connector and client. */
export { KafkaConnector, type KafkaConnectorOptions } from './kafka-connector.js';
export { kafkajsClient, type KafkaClient, type KafkaSettings } from '../io/kafka.js';
