import CRabbitMQ

/// Memory for C structures handed to rabbitmq-c: everything allocated here lives until the pool is freed.
///
/// Not thread-safe; used on one connection thread for the duration of one call.
final class AMQPMemoryPool {
    private let pool: UnsafeMutablePointer<amqp_pool_t>

    init(pageSize: Int = 4096) {
        pool = .allocate(capacity: 1)
        init_amqp_pool(pool, pageSize)
    }

    deinit {
        empty_amqp_pool(pool)
        pool.deallocate()
    }

    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = amqp_pool_alloc(pool, MemoryLayout<T>.stride * count)!
        return raw.bindMemory(to: T.self, capacity: count)
    }

    func bytes(_ data: [UInt8]) -> amqp_bytes_t {
        guard !data.isEmpty else { return amqp_bytes_t(len: 0, bytes: nil) }
        var result = amqp_bytes_t()
        amqp_pool_alloc_bytes(pool, data.count, &result)
        data.withUnsafeBytes { source in result.bytes.copyMemory(from: source.baseAddress!, byteCount: data.count) }
        return result
    }

    func bytes(_ text: String) -> amqp_bytes_t { bytes(Array(text.utf8)) }
}
