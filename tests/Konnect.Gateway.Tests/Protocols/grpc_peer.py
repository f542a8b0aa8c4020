"""A real gRPC peer for Konnect's tests, with Debian's python3-grpcio and no generated code.

Methods take and return raw bytes (identity serializers), so no .proto or protoc is needed:
  /konnect.test.Echo/Unary   request -> b"echo:" + request, with trailing metadata x-echo-trailer: kept;
                             a request of b"fail" ends with NOT_FOUND "no such order" instead
  /konnect.test.Echo/Count   request b"N" -> N messages b"0" .. b"N-1" (server streaming)
  /konnect.test.Echo/Chat    each request -> b"echo:" + request (bidirectional streaming)
  /gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo and /EchoTwo
                             request -> b"echo:" + request: the conformance suite's service and methods, for
                             its GRPCRoute manifests as they are

  server [NAME]          binds 127.0.0.1:0, prints "PORT <n>", serves until stdin closes; replies start
                         with NAME: instead of echo: (to tell several servers apart)
  unary TARGET MESSAGE [KEY=VALUE ...]
                         sends the metadata given; prints "OK <reply> trailer=<x-echo-trailer>" or
                         "STATUS <CODE> <details>"
  echo TARGET METHOD [AUTHORITY]
                         calls the conformance service's METHOD (Echo or EchoTwo) with :authority AUTHORITY
                         (default: TARGET); prints "OK <reply>" or "STATUS <CODE> <details>"
  count TARGET N         prints "OK <m1>,<m2>,..." or "STATUS <CODE> <details>"
  chat TARGET            sends each stdin line as a message and prints "OK <reply>" per reply;
                         prints "STATUS <CODE> <details>" if the call ends with an error
"""
import sys
import threading
from concurrent import futures

import grpc

SERVICE = "konnect.test.Echo"
CONFORMANCE_SERVICE = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho"
PREFIX = b"echo:"


def _identity(b):
    return b


def unary(request, context):
    if request == b"fail":
        context.abort(grpc.StatusCode.NOT_FOUND, "no such order")
    context.set_trailing_metadata((("x-echo-trailer", "kept"),))
    return PREFIX + request


def count(request, context):
    for i in range(int(request)):
        yield str(i).encode()


def chat(requests, context):
    for request in requests:
        yield PREFIX + request


def serve():
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary, _identity, _identity),
        "Count": grpc.unary_stream_rpc_method_handler(count, _identity, _identity),
        "Chat": grpc.stream_stream_rpc_method_handler(chat, _identity, _identity),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    echo = grpc.unary_unary_rpc_method_handler(lambda request, context: PREFIX + request, _identity, _identity)
    conformance = {"Echo": echo, "EchoTwo": echo}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),
                                     grpc.method_handlers_generic_handler(CONFORMANCE_SERVICE, conformance)))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"PORT {port}", flush=True)
    # The test owns this process: when its stdin closes (test over, or the test runner died) the server stops.
    sys.stdin.read()
    server.stop(grace=None)


def status_line(error):
    return f"STATUS {error.code().name} {error.details()}"


def call(channel, method, kind):
    factory = getattr(channel, kind)
    return factory(f"/{SERVICE}/{method}", request_serializer=_identity, response_deserializer=_identity)


def main():
    mode = sys.argv[1]
    if mode == "server":
        global PREFIX
        if len(sys.argv) > 2:
            PREFIX = sys.argv[2].encode() + b":"
        serve()
        return
    # A Host to route by, as the conformance suite's RequestMetadata.Authority: gRPC sends it as :authority.
    options = [("grpc.default_authority", sys.argv[4])] if mode == "echo" and len(sys.argv) > 4 else []
    with grpc.insecure_channel(sys.argv[2], options=options) as channel:
        try:
            if mode == "echo":
                factory = channel.unary_unary(f"/{CONFORMANCE_SERVICE}/{sys.argv[3]}", request_serializer=_identity, response_deserializer=_identity)
                print(f"OK {factory(b'', timeout=20).decode()}", flush=True)
            elif mode == "unary":
                metadata = tuple(tuple(pair.split("=", 1)) for pair in sys.argv[4:])
                reply, info = call(channel, "Unary", "unary_unary").with_call(sys.argv[3].encode(), timeout=20, metadata=metadata)
                trailer = dict(info.trailing_metadata()).get("x-echo-trailer")
                print(f"OK {reply.decode()} trailer={trailer}", flush=True)
            elif mode == "count":
                replies = call(channel, "Count", "unary_stream")(sys.argv[3].encode(), timeout=20)
                print("OK " + ",".join(r.decode() for r in replies), flush=True)
            elif mode == "chat":
                lines = (line.rstrip("\n").encode() for line in sys.stdin)
                for reply in call(channel, "Chat", "stream_stream")(lines):
                    print(f"OK {reply.decode()}", flush=True)
        except grpc.RpcError as error:
            print(status_line(error), flush=True)


if __name__ == "__main__":
    main()
