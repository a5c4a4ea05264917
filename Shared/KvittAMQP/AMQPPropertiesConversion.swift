import CRabbitMQ
import Foundation

/// Converts between ``AMQPProperties`` and rabbitmq-c's `amqp_basic_properties_t`.
enum AMQPPropertiesConversion {
    static func properties(from raw: amqp_basic_properties_t) -> AMQPProperties {
        let flags = raw._flags
        func has(_ flag: Int32) -> Bool { flags & amqp_flags_t(flag) != 0 }
        func text(_ flag: Int32, _ bytes: amqp_bytes_t) -> String? {
            has(flag) ? AMQPTableConversion.string(bytes) : nil
        }
        return AMQPProperties(
            contentType: text(AMQP_BASIC_CONTENT_TYPE_FLAG, raw.content_type),
            contentEncoding: text(AMQP_BASIC_CONTENT_ENCODING_FLAG, raw.content_encoding),
            headers: has(AMQP_BASIC_HEADERS_FLAG) ? AMQPTableConversion.table(from: raw.headers) : [:],
            deliveryMode: has(AMQP_BASIC_DELIVERY_MODE_FLAG) ? raw.delivery_mode : nil,
            priority: has(AMQP_BASIC_PRIORITY_FLAG) ? raw.priority : nil,
            correlationID: text(AMQP_BASIC_CORRELATION_ID_FLAG, raw.correlation_id),
            replyTo: text(AMQP_BASIC_REPLY_TO_FLAG, raw.reply_to),
            expiration: text(AMQP_BASIC_EXPIRATION_FLAG, raw.expiration),
            messageID: text(AMQP_BASIC_MESSAGE_ID_FLAG, raw.message_id),
            timestamp: has(AMQP_BASIC_TIMESTAMP_FLAG) ? Date(timeIntervalSince1970: TimeInterval(raw.timestamp)) : nil,
            type: text(AMQP_BASIC_TYPE_FLAG, raw.type),
            userID: text(AMQP_BASIC_USER_ID_FLAG, raw.user_id),
            appID: text(AMQP_BASIC_APP_ID_FLAG, raw.app_id)
        )
    }

    static func raw(_ properties: AMQPProperties, pool: AMQPMemoryPool) -> amqp_basic_properties_t {
        var raw = amqp_basic_properties_t()
        var flags: Int32 = 0
        func set(_ value: String?, _ flag: Int32, _ keyPath: WritableKeyPath<amqp_basic_properties_t, amqp_bytes_t>) {
            guard let value else { return }
            raw[keyPath: keyPath] = pool.bytes(value)
            flags |= flag
        }
        set(properties.contentType, AMQP_BASIC_CONTENT_TYPE_FLAG, \.content_type)
        set(properties.contentEncoding, AMQP_BASIC_CONTENT_ENCODING_FLAG, \.content_encoding)
        set(properties.correlationID, AMQP_BASIC_CORRELATION_ID_FLAG, \.correlation_id)
        set(properties.replyTo, AMQP_BASIC_REPLY_TO_FLAG, \.reply_to)
        set(properties.expiration, AMQP_BASIC_EXPIRATION_FLAG, \.expiration)
        set(properties.messageID, AMQP_BASIC_MESSAGE_ID_FLAG, \.message_id)
        set(properties.type, AMQP_BASIC_TYPE_FLAG, \.type)
        set(properties.userID, AMQP_BASIC_USER_ID_FLAG, \.user_id)
        set(properties.appID, AMQP_BASIC_APP_ID_FLAG, \.app_id)
        if !properties.headers.isEmpty {
            raw.headers = AMQPTableConversion.rawTable(properties.headers, pool: pool)
            flags |= AMQP_BASIC_HEADERS_FLAG
        }
        if let mode = properties.deliveryMode {
            raw.delivery_mode = mode
            flags |= AMQP_BASIC_DELIVERY_MODE_FLAG
        }
        if let priority = properties.priority {
            raw.priority = priority
            flags |= AMQP_BASIC_PRIORITY_FLAG
        }
        if let timestamp = properties.timestamp {
            raw.timestamp = AMQPTableConversion.epochSeconds(timestamp)
            flags |= AMQP_BASIC_TIMESTAMP_FLAG
        }
        raw._flags = amqp_flags_t(flags)
        return raw
    }
}
