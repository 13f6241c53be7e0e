namespace Lb.Engine.Tests.Flows;

/// <summary>FlowHash of tcp 10.5.3.2:40000 -> 20.0.0.1:80 (fixed: every mux must agree on them forever).</summary>
internal static class GoldenHashes
{
    public const uint Seed0 = 2854993177;
    public const uint Seed42 = 2350706639;
}
