import KvittAMQP

extension AMQPURL {
    /// The URL as `AMQP_URL` takes it, credentials included, for a child process on the default vhost.
    public var environmentValue: String {
        "\(useTLS ? "amqps" : "amqp")://\(user):\(password)@\(host):\(port)/"
    }
}
