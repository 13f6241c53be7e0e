using System.Collections.Concurrent;
using Lbdeploy.Planning;
using Lbdeploy.Spec;
using Lbdeploy.Tests.Golden;
using Lbdeploy.Tests.Spec;

namespace Lbdeploy.Tests.Tracing;

/// <summary>The deployments traces are tested on (course fat tree and leaf-spine, both targets), each planned once.</summary>
internal static class TracePlans
{
    public static readonly string[] Names = ["fattree-linux", "fattree-bmv2", "leafspine-bmv2", "leafspine-linux"];

    private static readonly ConcurrentDictionary<string, Lazy<(DeploymentPlan Plan, LbSpec Spec)>> Cache = new(StringComparer.Ordinal);

    public static DeploymentPlan Plan(string name) => Get(name).Plan;

    /// <summary>The spec as read independently of the plan: what the test's own Maglev table is built from.</summary>
    public static LbSpec Spec(string name) => Get(name).Spec;

    private static (DeploymentPlan Plan, LbSpec Spec) Get(string name) =>
        Cache.GetOrAdd(name, n => new Lazy<(DeploymentPlan, LbSpec)>(() =>
        {
            var (path, text) = SpecOf(n);
            return (Planner.Create(path, Path.GetFileName(path), text), SpecLoader.Load(path, null, text).Spec);
        })).Value;

    public static (string Path, string? Text) SpecOf(string name) => name switch
    {
        "fattree-linux" or "fattree-bmv2" or "fattree-frr" => GoldenPlanTests.SpecOf(name),
        "leafspine-bmv2" => GoldenPlanTests.SpecOf("leafspine"),
        "leafspine-linux" => (RepoPaths.Combine("examples", "leafspine.yaml"),
            File.ReadAllText(RepoPaths.Combine("examples", "leafspine.yaml")).Replace("target: bmv2", "target: linux", StringComparison.Ordinal)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
