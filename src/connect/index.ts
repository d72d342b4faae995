/** The connectors, as the package subpath `cepheus/connect`: the Kafka connector and client, and the MQTT source. */
export { KafkaConnector, type KafkaConnectorOptions } from './kafka-connector.js';
export { kafkajsClient, type KafkaClient, type KafkaSettings } from '../io/kafka.js';
export { MqttSource, type MqttSourceOptions } from './mqtt-source.js';
