import CRabbitMQ

/// A frame read from a connection, copied out of rabbitmq-c's buffers.
///
/// After ``deliver`` and ``basicReturn`` the content (header and body frames) follows and must be read at once.
public enum AMQPFrame: Sendable, Equatable {
    case deliver(
        channel: UInt16,
        consumerTag: String,
        deliveryTag: UInt64,
        redelivered: Bool,
        exchange: String,
        routingKey: String
    )
    case basicReturn(channel: UInt16, code: UInt16, text: String, exchange: String, routingKey: String)
    case ack(deliveryTag: UInt64, multiple: Bool)
    case nack(deliveryTag: UInt64, multiple: Bool)
    /// The broker cancelled a consumer (its queue was deleted, or the node is going away).
    case cancel(consumerTag: String)
    case cancelOk(consumerTag: String)
    case channelClose(channel: UInt16, code: UInt16, text: String)
    case connectionClose(code: UInt16, text: String)
    /// The broker stopped reading publishes because of a resource alarm.
    case blocked(reason: String)
    case unblocked
    /// Any other frame (content frames out of place, methods Kvitt does not use).
    case other(frameType: UInt8, methodID: UInt32)

    init(raw: amqp_frame_t) {
        guard raw.frame_type == KVITT_FRAME_METHOD, let decoded = raw.payload.method.decoded else {
            self = .other(frameType: raw.frame_type, methodID: 0)
            return
        }
        let id = raw.payload.method.id
        switch id {
        case KVITT_BASIC_DELIVER:
            let method = decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            self = .deliver(
                channel: raw.channel,
                consumerTag: AMQPTableConversion.string(method.consumer_tag),
                deliveryTag: method.delivery_tag,
                redelivered: method.redelivered != 0,
                exchange: AMQPTableConversion.string(method.exchange),
                routingKey: AMQPTableConversion.string(method.routing_key)
            )
        case KVITT_BASIC_RETURN:
            let method = decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            self = .basicReturn(
                channel: raw.channel,
                code: method.reply_code,
                text: AMQPTableConversion.string(method.reply_text),
                exchange: AMQPTableConversion.string(method.exchange),
                routingKey: AMQPTableConversion.string(method.routing_key)
            )
        case KVITT_BASIC_ACK:
            let method = decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            self = .ack(deliveryTag: method.delivery_tag, multiple: method.multiple != 0)
        case KVITT_BASIC_NACK:
            let method = decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            self = .nack(deliveryTag: method.delivery_tag, multiple: method.multiple != 0)
        case KVITT_BASIC_CANCEL:
            let method = decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            self = .cancel(consumerTag: AMQPTableConversion.string(method.consumer_tag))
        case KVITT_BASIC_CANCEL_OK:
            let method = decoded.assumingMemoryBound(to: amqp_basic_cancel_ok_t.self).pointee
            self = .cancelOk(consumerTag: AMQPTableConversion.string(method.consumer_tag))
        case KVITT_CHANNEL_CLOSE:
            let method = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            self = .channelClose(
                channel: raw.channel,
                code: method.reply_code,
                text: AMQPTableConversion.string(method.reply_text)
            )
        case KVITT_CONNECTION_CLOSE:
            let method = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            self = .connectionClose(code: method.reply_code, text: AMQPTableConversion.string(method.reply_text))
        case KVITT_CONNECTION_BLOCKED:
            let method = decoded.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee
            self = .blocked(reason: AMQPTableConversion.string(method.reason))
        case KVITT_CONNECTION_UNBLOCKED:
            self = .unblocked
        default:
            self = .other(frameType: raw.frame_type, methodID: id)
        }
    }
}
