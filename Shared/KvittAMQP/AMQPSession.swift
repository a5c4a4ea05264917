import CRabbitMQ
import Foundation

/// One open AMQP connection, used from exactly one thread.
///
/// rabbitmq-c handles are not thread-safe, so this class is deliberately not `Sendable`: it is created and used
/// only on an ``AMQPConnectionDriver``'s thread (or a test's own thread). Every method blocks.
public final class AMQPSession {
    let state: amqp_connection_state_t
    /// The broker's negotiated heartbeat, in seconds (0 = off).
    public let heartbeat: Int
    private var closed = false

    /// Options for opening a session.
    public struct Options: Sendable {
        /// Shown in the broker's connection list.
        public var connectionName: String
        /// Requested heartbeat in seconds; the broker may lower it.
        public var heartbeat: Int
        /// Socket connect and login timeout.
        public var connectTimeout: Duration
        /// CA certificate file for `amqps://` (PEM); the system store is not read by rabbitmq-c 0.11, so `amqps://`
        /// without one is refused before connecting.
        public var caCertificatePath: String?
        /// Client certificate (PEM) for mutual TLS, with ``clientKeyPath``: both or neither.
        public var clientCertificatePath: String?
        /// The client certificate's private key (PEM, unencrypted).
        public var clientKeyPath: String?

        /// Options; the TLS files default to the environment's `AMQP_CA_CERT`, `AMQP_CLIENT_CERT` and
        /// `AMQP_CLIENT_KEY` for a caller that does not pass its settings' (services pass theirs).
        public init(
            connectionName: String,
            heartbeat: Int = 30,
            connectTimeout: Duration = .seconds(10),
            caCertificatePath: String? = ProcessInfo.processInfo.environment["AMQP_CA_CERT"],
            clientCertificatePath: String? = ProcessInfo.processInfo.environment["AMQP_CLIENT_CERT"],
            clientKeyPath: String? = ProcessInfo.processInfo.environment["AMQP_CLIENT_KEY"]
        ) {
            self.connectionName = connectionName
            self.heartbeat = heartbeat
            self.connectTimeout = connectTimeout
            self.caCertificatePath = caCertificatePath
            self.clientCertificatePath = clientCertificatePath
            self.clientKeyPath = clientKeyPath
        }
    }

    /// Opens a TCP (or TLS) connection, logs in and opens channel 1.
    /// - Throws: ``AMQPError/connectionFailed(_:)`` with the reason (never the password).
    public init(url: AMQPURL, options: Options) throws(AMQPError) {
        guard let state = amqp_new_connection() else { throw .connectionFailed("out of memory") }
        self.state = state
        do {
            let socket = try Self.makeSocket(state: state, url: url, options: options)
            var timeout = Self.timeval(options.connectTimeout)
            let status = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &timeout)
            guard status == AMQP_STATUS_OK.rawValue else {
                throw AMQPError.connectionFailed(
                    "\(url.host):\(url.port): \(Self.openFailure(status, url: url, options: options))"
                )
            }
            var handshake = Self.timeval(options.connectTimeout)
            _ = amqp_set_handshake_timeout(state, &handshake)
            let pool = AMQPMemoryPool()
            let capabilities: AMQPTable = [
                "connection.blocked": true, "consumer_cancel_notify": true, "publisher_confirms": true,
                "basic.nack": true, "authentication_failure_close": true,
            ]
            var clientProperties = AMQPTableConversion.rawTable(
                [
                    "capabilities": .table(capabilities), "connection_name": .string(options.connectionName),
                    "product": "kvitt",
                ],
                pool: pool
            )
            let reply = kvitt_amqp_login_plain(
                state,
                url.vhost,
                0,
                131072,
                Int32(options.heartbeat),
                &clientProperties,
                url.user,
                url.password
            )
            withExtendedLifetime(pool) {}
            if reply.reply_type != AMQP_RESPONSE_NORMAL {
                throw AMQPError.connectionFailed(
                    "login to vhost '\(url.vhost)' as '\(url.user)' failed: \(Self.loginFailure(reply, options: options))"
                )
            }
            heartbeat = Int(amqp_get_heartbeat(state))
            _ = amqp_channel_open(state, 1)
            try Self.check(amqp_get_rpc_reply(state), "channel.open", state: state)
        } catch let error as AMQPError {
            amqp_destroy_connection(state)
            throw error
        } catch {
            amqp_destroy_connection(state)
            throw .connectionFailed("\(error)")
        }
    }

    deinit {
        if !closed { amqp_destroy_connection(state) }
    }

    /// The socket's file descriptor, for polling.
    public var socketDescriptor: Int32 { amqp_get_sockfd(state) }

    /// Whether frames or bytes are already buffered, so that polling the socket would miss them.
    public var hasBufferedInput: Bool { amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0 }

    /// Closes the channel and the connection politely; errors are ignored because the socket may be gone.
    public func close() {
        guard !closed else { return }
        closed = true
        _ = amqp_channel_close(state, 1, Int32(AMQP_REPLY_SUCCESS))
        _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        amqp_destroy_connection(state)
    }

    /// Closes the socket without the AMQP goodbye: for a connection already known to be broken.
    public func abandon() {
        guard !closed else { return }
        closed = true
        amqp_destroy_connection(state)
    }

    // MARK: Topology

    /// Declares an exchange, or (when `passive`) checks that it exists, which needs no permission on it.
    public func declare(_ exchange: AMQPExchange, passive: Bool = false, channel: UInt16 = 1) throws(AMQPError) {
        let pool = AMQPMemoryPool()
        _ = amqp_exchange_declare(
            state,
            channel,
            pool.bytes(exchange.name),
            pool.bytes(exchange.kind.rawValue),
            passive ? 1 : 0,
            exchange.durable ? 1 : 0,
            0,
            0,
            AMQPTableConversion.rawTable(exchange.arguments, pool: pool)
        )
        try Self.check(amqp_get_rpc_reply(state), "exchange.declare \(exchange.name)", state: state)
    }

    /// Declares a queue (or checks that it exists, when `passive`) and returns its ready-message and consumer counts.
    ///
    /// A queue that exists with one of its ``AMQPQueue/acceptedEarlierArguments`` instead of its arguments is taken
    /// as it is (the broker refused the new arguments with `PRECONDITION_FAILED`; the channel is opened again).
    @discardableResult
    public func declare(_ queue: AMQPQueue, passive: Bool = false, channel: UInt16 = 1) throws(AMQPError) -> (
        messages: UInt32, consumers: UInt32
    ) {
        do throws(AMQPError) {
            return try declare(queue, arguments: queue.arguments, passive: passive, channel: channel)
        } catch .closedByBroker(let code, let text)
            where code == Self.preconditionFailed && !passive && !queue.acceptedEarlierArguments.isEmpty
        {
            for earlier in queue.acceptedEarlierArguments {
                try reopenChannel(channel)
                do throws(AMQPError) {
                    return try declare(queue, arguments: earlier, passive: false, channel: channel)
                } catch .closedByBroker(let code, _) where code == Self.preconditionFailed {
                    continue
                }
            }
            throw .closedByBroker(code: code, text: text)
        }
    }

    private func declare(_ queue: AMQPQueue, arguments: AMQPTable, passive: Bool, channel: UInt16) throws(AMQPError)
        -> (messages: UInt32, consumers: UInt32)
    {
        let pool = AMQPMemoryPool()
        let ok = amqp_queue_declare(
            state,
            channel,
            pool.bytes(queue.name),
            passive ? 1 : 0,
            queue.durable ? 1 : 0,
            queue.exclusive ? 1 : 0,
            queue.autoDelete ? 1 : 0,
            AMQPTableConversion.rawTable(arguments, pool: pool)
        )
        try Self.check(amqp_get_rpc_reply(state), "queue.declare \(queue.name)", state: state)
        guard let ok else { return (0, 0) }
        return (ok.pointee.message_count, ok.pointee.consumer_count)
    }

    /// AMQP reply codes the topology declaration acts on.
    static let accessRefused: UInt16 = 403
    static let preconditionFailed: UInt16 = 406

    public func bind(_ binding: AMQPBinding, channel: UInt16 = 1) throws(AMQPError) {
        let pool = AMQPMemoryPool()
        _ = amqp_queue_bind(
            state,
            channel,
            pool.bytes(binding.queue),
            pool.bytes(binding.exchange),
            pool.bytes(binding.routingKey),
            AMQPTableConversion.rawTable(binding.arguments, pool: pool)
        )
        try Self.check(amqp_get_rpc_reply(state), "queue.bind \(binding.queue)", state: state)
    }

    /// Declares every exchange, queue and binding of a topology.
    ///
    /// An exchange or queue the user may not configure (`ACCESS_REFUSED`: a least-privilege user, whose shared
    /// exchanges, and perhaps queues, `kvitt topology declare` declared with the operator's rights) is checked to
    /// exist instead, with a passive declare, which needs no permission and can change nothing; it is refused with
    /// `NOT_FOUND` when it does not exist.
    public func declare(_ topology: AMQPTopology, channel: UInt16 = 1) throws(AMQPError) {
        for exchange in topology.exchanges {
            try declareOrCheck(channel) { passive throws(AMQPError) in
                try declare(exchange, passive: passive, channel: channel)
            }
        }
        for queue in topology.queues {
            try declareOrCheck(channel) { passive throws(AMQPError) in
                _ = try declare(queue, passive: passive, channel: channel)
            }
        }
        for binding in topology.bindings { try bind(binding, channel: channel) }
    }

    /// Declares with `declare(false)`; on `ACCESS_REFUSED` opens the channel again and checks with `declare(true)`.
    private func declareOrCheck(
        _ channel: UInt16,
        _ declare: (_ passive: Bool) throws(AMQPError) -> Void
    ) throws(AMQPError) {
        do throws(AMQPError) {
            try declare(false)
        } catch .closedByBroker(let code, _) where code == Self.accessRefused {
            try reopenChannel(channel)
            try declare(true)
        }
    }

    public func deleteQueue(_ name: String, channel: UInt16 = 1) throws(AMQPError) {
        let pool = AMQPMemoryPool()
        _ = amqp_queue_delete(state, channel, pool.bytes(name), 0, 0)
        try Self.check(amqp_get_rpc_reply(state), "queue.delete \(name)", state: state)
    }

    public func deleteExchange(_ name: String, channel: UInt16 = 1) throws(AMQPError) {
        let pool = AMQPMemoryPool()
        _ = amqp_exchange_delete(state, channel, pool.bytes(name), 0)
        try Self.check(amqp_get_rpc_reply(state), "exchange.delete \(name)", state: state)
    }

    /// Removes all ready messages from a queue and returns how many there were.
    @discardableResult
    public func purgeQueue(_ name: String, channel: UInt16 = 1) throws(AMQPError) -> UInt32 {
        let pool = AMQPMemoryPool()
        let ok = amqp_queue_purge(state, channel, pool.bytes(name))
        try Self.check(amqp_get_rpc_reply(state), "queue.purge \(name)", state: state)
        return ok?.pointee.message_count ?? 0
    }

    // MARK: Publishing and consuming

    /// Puts the channel in confirm mode: from now on the n-th publish has delivery tag n.
    public func enableConfirms(channel: UInt16 = 1) throws(AMQPError) {
        _ = amqp_confirm_select(state, channel)
        try Self.check(amqp_get_rpc_reply(state), "confirm.select", state: state)
    }

    /// Sets how many unacknowledged deliveries each consumer on the channel may hold.
    public func setPrefetch(_ count: UInt16, channel: UInt16 = 1) throws(AMQPError) {
        _ = amqp_basic_qos(state, channel, 0, count, 0)
        try Self.check(amqp_get_rpc_reply(state), "basic.qos", state: state)
    }

    /// Starts a manual-ack consumer and returns its consumer tag.
    public func consume(queue: String, consumerTag: String = "", channel: UInt16 = 1) throws(AMQPError) -> String {
        let pool = AMQPMemoryPool()
        let ok = amqp_basic_consume(
            state,
            channel,
            pool.bytes(queue),
            pool.bytes(consumerTag),
            0,
            0,
            0,
            amqp_table_t(num_entries: 0, entries: nil)
        )
        try Self.check(amqp_get_rpc_reply(state), "basic.consume \(queue)", state: state)
        return ok.map { AMQPTableConversion.string($0.pointee.consumer_tag) } ?? consumerTag
    }

    /// Asks the broker to stop a consumer without waiting for the answer (deliveries may still be in flight).
    public func sendCancel(consumerTag: String, channel: UInt16 = 1) throws(AMQPError) {
        let pool = AMQPMemoryPool()
        var method = amqp_basic_cancel_t(consumer_tag: pool.bytes(consumerTag), nowait: 0)
        let status = amqp_send_method(state, channel, KVITT_BASIC_CANCEL, &method)
        try Self.check(status: status, "basic.cancel")
    }

    /// The negotiated largest frame, in bytes: a message's properties (headers included) must fit in one.
    public var frameMax: Int { Int(amqp_get_frame_max(state)) }

    /// Sends one message. Only says the bytes were written; confirms arrive later as frames.
    /// - Throws: ``AMQPError/refused(code:text:)`` before anything is sent when the message cannot be framed (a
    ///   short string over 255 bytes, properties larger than a frame): rabbitmq-c writes the `basic.publish` method
    ///   before it encodes the properties, so finding that out during the call would leave the connection unusable.
    public func publish(_ message: AMQPOutgoingMessage, channel: UInt16 = 1) throws(AMQPError) {
        let pool = AMQPMemoryPool()
        var properties = AMQPPropertiesConversion.raw(message.properties, pool: pool)
        try checkFrameable(message, raw: &properties)
        let status = message.body.withUnsafeBytes { body in
            amqp_basic_publish(
                state,
                channel,
                pool.bytes(message.exchange),
                pool.bytes(message.routingKey),
                message.mandatory ? 1 : 0,
                0,
                &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress))
            )
        }
        try Self.check(status: status, "basic.publish")
    }

    /// Longest AMQP short string (property values, table keys, exchange and routing key), in bytes.
    public static let shortStringLimit = 255
    /// Header frame bytes besides the properties' own: frame header and end (8), class, weight and body size (12),
    /// property flags (2), and the fixed-size properties (delivery mode, priority, timestamp: 10).
    static let headerFrameOverhead = 8 + 12 + 2 + 10

    /// Tables estimated within this many bytes of the budget are encoded by rabbitmq-c to check.
    static let exactCheckMargin = 1024
    private var encodeScratch: [UInt8] = []

    /// Checks that a message's properties can be encoded into one header frame, the way rabbitmq-c will encode them.
    private func checkFrameable(_ message: AMQPOutgoingMessage, raw: inout amqp_basic_properties_t) throws(AMQPError) {
        let limit = Self.shortStringLimit
        if message.exchange.utf8.count > limit || message.routingKey.utf8.count > limit {
            throw .refused(code: 0, text: "exchange or routing key longer than \(limit) bytes")
        }
        let strings: [(String, String?)] = [
            ("content_type", message.properties.contentType),
            ("content_encoding", message.properties.contentEncoding),
            ("correlation_id", message.properties.correlationID), ("reply_to", message.properties.replyTo),
            ("expiration", message.properties.expiration), ("message_id", message.properties.messageID),
            ("type", message.properties.type), ("user_id", message.properties.userID),
            ("app_id", message.properties.appID),
        ]
        var stringBytes = 0
        for case (let name, let value?) in strings {
            let size = value.utf8.count
            if size > limit { throw .refused(code: 0, text: "property \(name) longer than \(limit) bytes (\(size))") }
            stringBytes += 1 + size
        }
        guard raw._flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0 else { return }
        if let key = AMQPTableConversion.firstOverlongKey(message.properties.headers, limit: limit) {
            throw .refused(code: 0, text: "header name longer than \(limit) bytes: \(key.prefix(40))...")
        }
        let budget = frameMax - Self.headerFrameOverhead - stringBytes
        guard budget > 4 else { throw .refused(code: 0, text: "properties do not fit in a frame of \(frameMax) bytes") }
        // The size is known without encoding (the table's own type octet is not written); only a table near the limit
        // is encoded by rabbitmq-c to be sure, so an ordinary publish pays for one encoding, not two.
        let estimated = AMQPValue.table(message.properties.headers).encodedSize - 1
        guard estimated > budget - Self.exactCheckMargin else { return }
        if encodeScratch.count < budget { encodeScratch = [UInt8](repeating: 0, count: budget) }
        var offset = 0
        let status = encodeScratch.withUnsafeMutableBytes { buffer in
            amqp_encode_table(amqp_bytes_t(len: budget, bytes: buffer.baseAddress), &raw.headers, &offset)
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw .refused(
                code: 0,
                text: "headers do not fit in one frame of \(frameMax) bytes: \(Self.errorString(status))"
            )
        }
    }

    /// Opens channel 1 again after the broker closed it (and was answered with `channel.close-ok`).
    public func reopenChannel(_ channel: UInt16 = 1) throws(AMQPError) {
        _ = amqp_channel_open(state, channel)
        try Self.check(amqp_get_rpc_reply(state), "channel.open", state: state)
    }

    /// Gives rabbitmq-c's per-connection memory back once nothing read is still queued in it. rabbitmq-c keeps every
    /// frame it decodes in the connection's pools until this is called; every frame is copied into Swift values
    /// when it is read, so the pools hold nothing still in use.
    public func releaseBuffers() {
        amqp_maybe_release_buffers(state)
    }

    public func ack(deliveryTag: UInt64, multiple: Bool = false, channel: UInt16 = 1) throws(AMQPError) {
        try Self.check(status: amqp_basic_ack(state, channel, deliveryTag, multiple ? 1 : 0), "basic.ack")
    }

    public func nack(deliveryTag: UInt64, multiple: Bool = false, requeue: Bool, channel: UInt16 = 1) throws(AMQPError)
    {
        try Self.check(
            status: amqp_basic_nack(state, channel, deliveryTag, multiple ? 1 : 0, requeue ? 1 : 0),
            "basic.nack"
        )
    }

    public func reject(deliveryTag: UInt64, requeue: Bool, channel: UInt16 = 1) throws(AMQPError) {
        try Self.check(status: amqp_basic_reject(state, channel, deliveryTag, requeue ? 1 : 0), "basic.reject")
    }

    /// Takes one message from a queue without a consumer (`basic.get`), unacknowledged; `nil` when empty.
    public func get(queue: String, channel: UInt16 = 1, generation: UInt64 = 0) throws(AMQPError) -> AMQPDelivery? {
        let pool = AMQPMemoryPool()
        let reply = amqp_basic_get(state, channel, pool.bytes(queue), 0)
        try Self.check(reply, "basic.get \(queue)", state: state)
        guard reply.reply.id == KVITT_BASIC_GET_OK, let decoded = reply.reply.decoded else { return nil }
        let ok = decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        let tag = ok.delivery_tag
        let redelivered = ok.redelivered != 0
        let exchange = AMQPTableConversion.string(ok.exchange)
        let routingKey = AMQPTableConversion.string(ok.routing_key)
        let (properties, body) = try readContent(channel: channel)
        return AMQPDelivery(
            generation: generation,
            deliveryTag: tag,
            consumerTag: "",
            exchange: exchange,
            routingKey: routingKey,
            redelivered: redelivered,
            properties: properties,
            body: body
        )
    }

    // MARK: Frames

    /// Reads the next frame, waiting at most `timeout` (zero: only what has already arrived).
    /// Heartbeats are sent and received inside this call. Returns `nil` on timeout.
    public func nextFrame(timeout: Duration) throws(AMQPError) -> AMQPFrame? {
        var frame = amqp_frame_t()
        var tv = Self.timeval(timeout)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &tv)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        try Self.check(status: status, "wait for frame")
        return AMQPFrame(raw: frame)
    }

    /// Reads the header and body frames that follow a `basic.deliver`, `basic.return` or `basic.get-ok`.
    func readContent(channel: UInt16) throws(AMQPError) -> (AMQPProperties, [UInt8]) {
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        try Self.check(reply, "read message content", state: state)
        defer { amqp_destroy_message(&message) }
        return (AMQPPropertiesConversion.properties(from: message.properties), AMQPTableConversion.bytes(message.body))
    }

    /// Answers a broker's `channel.close` so that the channel can be reopened.
    func sendChannelCloseOk(channel: UInt16) {
        var ok = amqp_channel_close_ok_t(dummy: 0)
        _ = amqp_send_method(state, channel, KVITT_CHANNEL_CLOSE_OK, &ok)
    }

    /// Answers a broker's `connection.close`.
    func sendConnectionCloseOk() {
        var ok = amqp_connection_close_ok_t(dummy: 0)
        _ = amqp_send_method(state, 0, KVITT_CONNECTION_CLOSE_OK, &ok)
    }

    // MARK: Helpers

    private static func makeSocket(state: amqp_connection_state_t, url: AMQPURL, options: Options) throws(AMQPError)
        -> OpaquePointer
    {
        guard url.useTLS else {
            guard let socket = amqp_tcp_socket_new(state) else { throw .connectionFailed("cannot create TCP socket") }
            return socket
        }
        guard let socket = amqp_ssl_socket_new(state) else { throw .connectionFailed("cannot create TLS socket") }
        // rabbitmq-c 0.11 only disables SSLv2/3 by default: insist on TLS 1.2 or newer, and verify the peer.
        guard amqp_ssl_socket_set_ssl_versions(socket, AMQP_TLSv1_2, AMQP_TLSvLATEST) == AMQP_STATUS_OK.rawValue else {
            throw .connectionFailed("TLS 1.2 is not supported by this OpenSSL")
        }
        amqp_ssl_socket_set_verify_peer(socket, 1)
        amqp_ssl_socket_set_verify_hostname(socket, 1)
        // rabbitmq-c 0.11 does not read the system's trust store: without a CA file every broker would be refused,
        // after a handshake whose error names no cause.
        guard let ca = options.caCertificatePath, !ca.isEmpty else {
            throw .connectionFailed(
                "amqps:// needs the CA certificate the broker's certificate is checked against (AMQP_CA_CERT)"
            )
        }
        let status = amqp_ssl_socket_set_cacert(socket, ca)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw .connectionFailed("cannot read CA certificate \(ca): \(errorString(status))")
        }
        switch (options.clientCertificatePath, options.clientKeyPath) {
        case (let certificate?, let key?):
            let status = amqp_ssl_socket_set_key(socket, certificate, key)
            guard status == AMQP_STATUS_OK.rawValue else {
                throw .connectionFailed(
                    "cannot read client certificate \(certificate) with key \(key): \(errorString(status))"
                )
            }
        case (nil, nil):
            break
        default:
            throw .connectionFailed("mutual TLS needs both a client certificate and its key")
        }
        return socket
    }

    static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }

    /// Why opening the socket failed, in the operator's terms for the TLS failures whose library text names no
    /// cause.
    static func openFailure(_ status: Int32, url: AMQPURL, options: Options) -> String {
        switch status {
        case AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue:
            "TLS: the broker's certificate is not signed by the CA in \(options.caCertificatePath ?? "-") "
                + "(peer verification failed)"
        case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue:
            "TLS: the broker's certificate is not for the host name '\(url.host)' (host name verification failed)"
        case AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue:
            "TLS handshake failed (a broker that is not TLS, or one that refused the client certificate"
                + (options.clientCertificatePath == nil ? ", and none was given" : "") + ")"
        default:
            errorString(status)
        }
    }

    /// Why the login failed. With TLS 1.3 a broker that does not accept the client's certificate (or got none)
    /// says so only after the handshake, and rabbitmq-c reports no more than an SSL error.
    static func loginFailure(_ reply: amqp_rpc_reply_t, options: Options) -> String {
        guard reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION,
            reply.library_error == AMQP_STATUS_SSL_ERROR.rawValue
        else { return describe(reply) }
        return options.clientCertificatePath == nil
            ? "TLS: the broker closed the session; it may require a client certificate, and none was given"
            : "TLS: the broker closed the session; it may not accept the client certificate "
                + (options.clientCertificatePath ?? "")
    }

    static func errorString(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }

    static func check(status: Int32, _ context: String) throws(AMQPError) {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        throw .library("\(context): \(errorString(status))")
    }

    static func check(_ reply: amqp_rpc_reply_t, _ context: String, state: amqp_connection_state_t) throws(AMQPError) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            guard let decoded = reply.reply.decoded else { throw .library("\(context): server exception") }
            if reply.reply.id == KVITT_CHANNEL_CLOSE {
                let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                var ok = amqp_channel_close_ok_t(dummy: 0)
                _ = amqp_send_method(state, 1, KVITT_CHANNEL_CLOSE_OK, &ok)
                throw .closedByBroker(code: close.reply_code, text: AMQPTableConversion.string(close.reply_text))
            }
            if reply.reply.id == KVITT_CONNECTION_CLOSE {
                let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                var ok = amqp_connection_close_ok_t(dummy: 0)
                _ = amqp_send_method(state, 0, KVITT_CONNECTION_CLOSE_OK, &ok)
                throw .closedByBroker(code: close.reply_code, text: AMQPTableConversion.string(close.reply_text))
            }
            throw .library("\(context): unexpected server method \(reply.reply.id)")
        default:
            throw .library("\(context): \(describe(reply))")
        }
    }

    static func describe(_ reply: amqp_rpc_reply_t) -> String {
        switch reply.reply_type {
        case AMQP_RESPONSE_NONE: "no reply (socket closed)"
        case AMQP_RESPONSE_LIBRARY_EXCEPTION: errorString(reply.library_error)
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == KVITT_CONNECTION_CLOSE, let decoded = reply.reply.decoded {
                AMQPTableConversion.string(
                    decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee.reply_text
                )
            } else {
                "server exception"
            }
        default: "ok"
        }
    }
}
