// bench/rpc anchor: C++ gRPC (Debian libgrpc++ 1.51) Echo server on the callback API,
// where the handler runs inline on gRPC's polling thread (no hand-off to a thread pool).
//
//   echo_server [PORT]        PORT 0 (default) = any free port
//
// Prints "listening 127.0.0.1:PORT" on stdout once it serves, and serves
// voiceshop.testing.v1.TestService (proto/testing/v1/testing.proto): Echo is implemented,
// every other method answers UNIMPLEMENTED (the generated CallbackService default).
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <iostream>
#include <string>

#include "testing/v1/testing.grpc.pb.h"

namespace {

using voiceshop::testing::v1::EchoReply;
using voiceshop::testing::v1::EchoRequest;
using voiceshop::testing::v1::TestService;

class EchoService final : public TestService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoReply* reply) override {
    reply->set_payload(request->payload());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::string address = std::string("127.0.0.1:") + (argc > 1 ? argv[1] : "0");
  EchoService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "cannot listen on " << address << std::endl;
    return 1;
  }
  std::cout << "listening 127.0.0.1:" << port << std::endl;
  server->Wait();  // the harness ends it with SIGTERM
}
