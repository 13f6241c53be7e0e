using System.Text.Json.Nodes;
using Lbdeploy.Planning;
using Lbdeploy.Tests.EndToEnd;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// Test-only: real `ip -j route show` output (Runner/Data, see its README) and the course plan they were taken from,
/// with a helper to edit a table the way drift would.
/// </summary>
internal static class FibSamples
{
    private static readonly Lazy<DeploymentPlan> Course = new(() => Planner.Create(Path.Combine(CliRun.RepositoryRoot, "lb.yaml")));

    /// <summary>The course deployment (lb.yaml: the fat tree, muxes h1 and h2, linux target).</summary>
    public static DeploymentPlan CoursePlan => Course.Value;

    /// <summary>The text of Runner/Data/NAME.json.</summary>
    public static string Read(string name) =>
        File.ReadAllText(Lbdeploy.Tests.Spec.RepoPaths.Combine("tests", "Lbdeploy.Tests", "Runner", "Data", name + ".json"));

    /// <summary>The sample table of a course switch (t1, a1, c1).</summary>
    public static string Of(string switchName) => Read("fib-" + switchName);

    /// <summary>The table with <paramref name="edit"/> applied (routes are the array's objects).</summary>
    public static string Edit(string table, Action<JsonArray> edit)
    {
        var routes = JsonNode.Parse(table)!.AsArray();
        edit(routes);
        return routes.ToJsonString();
    }

    /// <summary>The route object whose dst is <paramref name="dst"/> (as the kernel prints it: no /32).</summary>
    public static JsonObject Route(JsonArray routes, string dst) =>
        routes.Select(r => r!.AsObject()).Single(r => (string?)r["dst"] == dst);
}
