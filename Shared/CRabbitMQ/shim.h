#ifndef KVITT_CRABBITMQ_SHIM_H
#define KVITT_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>

/* amqp_login_with_properties is variadic, which Swift cannot call: this fixes the PLAIN arguments. */
static inline amqp_rpc_reply_t kvitt_amqp_login_plain(
    amqp_connection_state_t state, const char *vhost, int channel_max, int frame_max, int heartbeat,
    const amqp_table_t *client_properties, const char *user, const char *password) {
    return amqp_login_with_properties(
        state, vhost, channel_max, frame_max, heartbeat, client_properties, AMQP_SASL_METHOD_PLAIN, user, password);
}

/* Method ids as plain constants: the AMQP_*_METHOD macros are casts that Swift does not import reliably. */
static const amqp_method_number_t KVITT_BASIC_ACK = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t KVITT_BASIC_NACK = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t KVITT_BASIC_RETURN = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t KVITT_BASIC_DELIVER = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t KVITT_BASIC_CANCEL = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t KVITT_BASIC_CANCEL_OK = AMQP_BASIC_CANCEL_OK_METHOD;
static const amqp_method_number_t KVITT_BASIC_CONSUME_OK = AMQP_BASIC_CONSUME_OK_METHOD;
static const amqp_method_number_t KVITT_CHANNEL_CLOSE = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t KVITT_CHANNEL_CLOSE_OK = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t KVITT_CONNECTION_CLOSE = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t KVITT_CONNECTION_CLOSE_OK = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const amqp_method_number_t KVITT_CONNECTION_BLOCKED = AMQP_CONNECTION_BLOCKED_METHOD;
static const amqp_method_number_t KVITT_CONNECTION_UNBLOCKED = AMQP_CONNECTION_UNBLOCKED_METHOD;
static const amqp_method_number_t KVITT_BASIC_GET_OK = AMQP_BASIC_GET_OK_METHOD;
static const amqp_method_number_t KVITT_BASIC_GET_EMPTY = AMQP_BASIC_GET_EMPTY_METHOD;
static const amqp_method_number_t KVITT_BASIC_QOS_OK = AMQP_BASIC_QOS_OK_METHOD;
static const uint8_t KVITT_FRAME_METHOD = AMQP_FRAME_METHOD;

#endif
