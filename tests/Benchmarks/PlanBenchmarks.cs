using BenchmarkDotNet.Attributes;
using Lb.Core.Addressing;
using Lbdeploy.Routing;
using Lbdeploy.Topology;
using Lbdeploy.Verification;

namespace Lb.Benchmarks;

/// <summary>
/// Planning cost on a k=16 fat tree (1024 hosts, 320 switches): routing (all-pairs ECMP + a VIP with three muxes in two
/// pods) and the static verification of every host pair, the VIP from every client and muxes to DIPs.
/// Run: dotnet run -c Release --project tests/Benchmarks -- --filter '*PlanBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class PlanBenchmarks
{
    private static readonly VipPlacement[] Vips = [new(Ipv4Address.Parse("20.0.0.1"), ["h1", "h2", "h600"])];

    private Fabric fabric = null!;
    private ForwardingPlan plan = null!;
    private VerificationScope scope = null!;

    [GlobalSetup]
    public void Setup()
    {
        fabric = FabricLoader.FromAppConfig(FabricGenerators.FatTree(16), "k16 fat tree");
        plan = Router.Build(fabric, Vips);
        scope = VerificationScope.ForPlan(plan, dips: ["h1000", "h1001", "h1002", "h1003"]);
        var report = ForwardingVerifier.Verify(plan, scope);
        if (!report.Passed) throw new InvalidOperationException(report.ToString());
    }

    [Benchmark]
    public Fabric Import() => FabricLoader.FromAppConfig(FabricGenerators.FatTree(16), "k16 fat tree");

    [Benchmark]
    public ForwardingPlan Route() => Router.Build(fabric, Vips);

    [Benchmark]
    public VerificationReport Verify() => ForwardingVerifier.Verify(plan, scope);

    [Benchmark]
    public VerificationReport RouteAndVerify() => ForwardingVerifier.Verify(Router.Build(fabric, Vips), scope);
}
