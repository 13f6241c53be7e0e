using System.Diagnostics;
using System.Text.Json;
using Lb.Core.Addressing;
using Lbdeploy.Tests.Spec;
using Lbdeploy.Verification;
using Lbdeploy.Ecmp;

namespace Lbdeploy.Tests.Ecmp;

/// <summary>
/// <see cref="KernelMultipath"/> against the running kernel: a router namespace with 2, 3 and 4 equal next hops
/// (policy 3, the plan's fields, a pinned seed) forwards plain TCP, UDP and ICMP packets and IP-in-IP packets of one
/// outer pair, and every one leaves on the next hop computed for it. Needs root and a kernel with
/// fib_multipath_hash_seed (6.11 on); kernel_multipath_probe.py does the namespace work.
/// </summary>
public sealed class KernelMultipathInNamespaceTests
{
    [Theory]
    [InlineData(2, 31337u)]
    [InlineData(3, 99u)]
    [InlineData(4, 12345u)]
    public void Every_flow_leaves_on_the_next_hop_computed_for_it(int branches, uint seed)
    {
        Assert.True(Environment.UserName == "root", "this test creates network namespaces: run it as root");
        Assert.True(File.Exists("/proc/sys/net/ipv4/fib_multipath_hash_seed"),
            $"kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()} has no net.ipv4.fib_multipath_hash_seed (added in 6.11): the linux target cannot pin its switches' ECMP seeds here, so `trace` cannot compute their branches (trace --live falls back to the observed ones); run on 6.11 or later");
        var random = new Random((int)seed);
        var flows = new List<(FlowTuple Outer, FlowTuple? Inner)>();
        for (var i = 0; i < 240; i++)
        {
            var destination = Ipv4Address.Parse($"10.99.{random.Next(256)}.{random.Next(1, 255)}");
            var port = (ushort)random.Next(1, 65536);
            switch (i % 4)
            {
                case 0: // one outer pair, the inner ports vary: what one mux sends one DIP
                    flows.Add((new(Ipv4Address.Parse("10.13.1.2"), Ipv4Address.Parse("10.99.3.2"), 4, 0, 0),
                        new(Ipv4Address.Parse($"10.14.{random.Next(256)}.2"), Ipv4Address.Parse("20.0.0.1"), 6, port, 80)));
                    break;
                case 1:
                    flows.Add((new(Ipv4Address.Parse($"10.{random.Next(1, 200)}.{random.Next(256)}.2"), destination, 6, port, 80), null));
                    break;
                case 2:
                    flows.Add((new(Ipv4Address.Parse($"10.{random.Next(1, 200)}.{random.Next(256)}.2"), destination, 17, port, 53), null));
                    break;
                default: // an echo: the kernel hashes no ports for ICMP
                    flows.Add((new(Ipv4Address.Parse($"10.{random.Next(1, 200)}.{random.Next(256)}.2"), destination, 1, 0, 0), null));
                    break;
            }
        }
        var observed = Probe(branches, seed, flows);
        Assert.True(observed.Count >= flows.Count * 9 / 10, $"only {observed.Count} of {flows.Count} packets arrived");
        var wrong = observed.Where(o => o.Value != KernelMultipath.Select(KernelMultipath.Hash(seed, flows[o.Key].Outer, flows[o.Key].Inner), branches))
            .Select(o => $"{flows[o.Key]}: kernel {o.Value}").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {observed.Count} flows left on another next hop: {string.Join("; ", wrong.Take(5))}");
        Assert.Equal(branches, observed.Where(o => flows[o.Key].Inner is not null).Select(o => o.Value).Distinct().Count());
    }

    private static Dictionary<int, int> Probe(int branches, uint seed, List<(FlowTuple Outer, FlowTuple? Inner)> flows)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, JsonSerializer.Serialize(flows.Select(f => f.Inner is { } inner
                ? (object)new { outer = new object[] { f.Outer.Source.ToString(), f.Outer.Destination.ToString() }, inner = Fields(inner) }
                : new { outer = Fields(f.Outer) })));
            var prefix = $"lbkm{Environment.ProcessId % 100000}{branches}";
            var start = new ProcessStartInfo("python3",
                [RepoPaths.Combine("tests", "Lbdeploy.Tests", "Ecmp", "kernel_multipath_probe.py"), prefix, $"{branches}", $"{seed}", KernelMultipath.FieldsText, file])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"the probe failed: {error}");
            return JsonSerializer.Deserialize<Dictionary<string, int>>(output.Trim())!.ToDictionary(p => int.Parse(p.Key), p => p.Value);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static object[] Fields(FlowTuple t) => [t.Source.ToString(), t.Destination.ToString(), (int)t.Protocol, (int)t.SourcePort, (int)t.DestinationPort];
}
