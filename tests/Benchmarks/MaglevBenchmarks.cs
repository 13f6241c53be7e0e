using BenchmarkDotNet.Attributes;
using Lb.Core.Addressing;
using Lb.Core.Flows;
using Lb.Core.Maglev;

namespace Lb.Benchmarks;

/// <summary>Maglev table build time (what a reload costs) and flow hash + lookup.</summary>
[MemoryDiagnoser]
public class MaglevBenchmarks
{
    private MaglevBackend[] _backends = null!;
    private MaglevTable _table = null!;
    private FlowKey _key;

    [Params(4, 100)]
    public int Dips { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _backends = Enumerable.Range(0, Dips).Select(i => new MaglevBackend($"d{i}", new Ipv4Address(0x0A130002u + (uint)i * 256))).ToArray();
        _table = MaglevTable.Build(_backends);
        _key = FlowKey.Create(Ipv4Address.Parse("10.5.3.2"), 40000, Ipv4Address.Parse("20.0.0.1"), 80, 6);
    }

    [Benchmark]
    public MaglevTable Build() => MaglevTable.Build(_backends);

    [Benchmark]
    public int HashAndLookup() => _table.Lookup(FlowHash.Compute(_key, 0));
}
