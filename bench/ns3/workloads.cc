// workloads.cc — issue 18's workloads written for ns-3, to measure tcpsim
// against it on the same machine (bench/ns3/compare.sh). The counterpart
// of bench/scale.c's scenarios, with ns-3's TCP set as close to tcpsim's
// rfc9293 profile as its attributes allow: NewReno with classic recovery,
// no SACK, timestamps or window scaling, 1460-byte segments, 65535-byte
// buffers, an initial window of 3 segments, delayed ACKs every second
// segment or 200 ms, RTO at least 1 s, TIME-WAIT 2 x 120 s.
//
//   workloads bulk P   P pairs of nodes, each on its own 10 Mbit/s, 10 ms
//                      point-to-point link with a 100-packet drop-tail
//                      queue (no queue disc) and 1 % packet loss towards
//                      the receiver; each client sends 1 MB (BulkSend).
//   workloads conns N  two nodes over 1 Gbit/s, 10 ms; N connections of
//                      1000 bytes, one every 100 us, to one PacketSink.
//
// It prints the wall time of the run (building the topology included, as
// bench/scale counts it), the process's peak RSS and the bytes the sinks
// received.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

using namespace ns3;

// every PacketSink, to count what was delivered
static ApplicationContainer sinks;

static void tcp_like_tcpsim()
{
	Config::SetDefault("ns3::TcpL4Protocol::SocketType",
			   TypeIdValue(TcpNewReno::GetTypeId()));
	Config::SetDefault("ns3::TcpL4Protocol::RecoveryType",
			   TypeIdValue(TcpClassicRecovery::GetTypeId()));
	Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(false));
	Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(false));
	Config::SetDefault("ns3::TcpSocketBase::WindowScaling",
			   BooleanValue(false));
	Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(Seconds(1)));
	Config::SetDefault("ns3::TcpSocketBase::MaxSegLifetime",
			   DoubleValue(120));
	Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1460));
	Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(65535));
	Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(65535));
	Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(3));
	Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
	Config::SetDefault("ns3::TcpSocket::DelAckTimeout",
			   TimeValue(MilliSeconds(200)));
}

// A point-to-point link between a and b with a drop-tail device queue of
// `queue` packets and no queue disc; addresses from `addr`.
static Ipv4InterfaceContainer link(Ptr<Node> a, Ptr<Node> b, const char *rate,
				   const char *delay, unsigned queue,
				   Ipv4AddressHelper &addr, NetDeviceContainer *out)
{
	PointToPointHelper p2p;
	p2p.SetDeviceAttribute("DataRate", StringValue(rate));
	p2p.SetChannelAttribute("Delay", StringValue(delay));
	p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize",
		     QueueSizeValue(QueueSize(std::to_string(queue) + "p")));
	NetDeviceContainer d = p2p.Install(a, b);
	Ipv4InterfaceContainer i = addr.Assign(d);
	TrafficControlHelper tch;
	tch.Uninstall(d);
	addr.NewNetwork();
	*out = d;
	return i;
}

static void bulk(unsigned pairs)
{
	NodeContainer c, s;
	c.Create(pairs);
	s.Create(pairs);
	InternetStackHelper stack;
	stack.Install(c);
	stack.Install(s);
	Ipv4AddressHelper addr("10.0.0.0", "255.255.255.252");
	for (unsigned i = 0; i < pairs; i++) {
		NetDeviceContainer d;
		Ipv4InterfaceContainer ifs = link(c.Get(i), s.Get(i), "10Mbps",
						  "10ms", 100, addr, &d);
		Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
		em->SetAttribute("ErrorRate", DoubleValue(0.01));
		em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
		d.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(em));
		PacketSinkHelper sink("ns3::TcpSocketFactory",
				      InetSocketAddress(Ipv4Address::GetAny(), 80));
		ApplicationContainer a = sink.Install(s.Get(i));
		a.Start(Seconds(0));
		sinks.Add(a);
		BulkSendHelper send("ns3::TcpSocketFactory",
				    InetSocketAddress(ifs.GetAddress(1), 80));
		send.SetAttribute("MaxBytes", UintegerValue(1000000));
		send.Install(c.Get(i)).Start(Seconds(0));
	}
}

static void conns(unsigned n)
{
	NodeContainer nodes;
	nodes.Create(2);
	InternetStackHelper stack;
	stack.Install(nodes);
	Ipv4AddressHelper addr("10.0.0.0", "255.255.255.252");
	NetDeviceContainer d;
	Ipv4InterfaceContainer ifs = link(nodes.Get(0), nodes.Get(1), "1Gbps",
					  "10ms", 100, addr, &d);
	PacketSinkHelper sink("ns3::TcpSocketFactory",
			      InetSocketAddress(Ipv4Address::GetAny(), 80));
	ApplicationContainer a = sink.Install(nodes.Get(1));
	a.Start(Seconds(0));
	sinks.Add(a);
	for (unsigned i = 0; i < n; i++) {
		BulkSendHelper send("ns3::TcpSocketFactory",
				    InetSocketAddress(ifs.GetAddress(1), 80));
		send.SetAttribute("MaxBytes", UintegerValue(1000));
		send.Install(nodes.Get(0)).Start(MicroSeconds(100 * i));
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		std::fprintf(stderr, "usage: workloads bulk PAIRS | conns N\n");
		return 2;
	}
	std::string what = argv[1];
	unsigned n = (unsigned)std::strtoul(argv[2], nullptr, 10);
	auto t0 = std::chrono::steady_clock::now();
	tcp_like_tcpsim();
	if (what == "bulk")
		bulk(n);
	else if (what == "conns")
		conns(n);
	else
		return 2;
	Simulator::Stop(Seconds(3600));
	Simulator::Run();
	double dt = std::chrono::duration<double>(
			    std::chrono::steady_clock::now() - t0)
			    .count();
	uint64_t rx = 0;
	for (uint32_t i = 0; i < sinks.GetN(); i++)
		rx += DynamicCast<PacketSink>(sinks.Get(i))->GetTotalRx();
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	std::printf("ns-3 %s %u: %.3f s wall, peak RSS %.1f MB, %llu bytes "
		    "delivered\n",
		    what.c_str(), n, dt, (double)ru.ru_maxrss * 1024 / 1e6,
		    (unsigned long long)rx);
	Simulator::Destroy();
	return 0;
}
