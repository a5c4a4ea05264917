import KvittAMQP

extension AMQPDelivery {
    /// A delivery as a consumer would receive it, for tests of what is done with one.
    public static func received(properties: AMQPProperties, body: [UInt8]) -> AMQPDelivery {
        AMQPDelivery(
            generation: 0,
            deliveryTag: 1,
            consumerTag: "",
            exchange: "",
            routingKey: "",
            redelivered: false,
            properties: properties,
            body: body
        )
    }
}
