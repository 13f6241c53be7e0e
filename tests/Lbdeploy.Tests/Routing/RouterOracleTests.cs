using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using Lb.Core.Addressing;
using Lbdeploy.Routing;
using Lbdeploy.Tests.Topology;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.Routing;

/// <summary>
/// Router output against an independent implementation of the course's routing controller (networkx, run with
/// /usr/bin/python3; needs the python3-networkx package).
/// </summary>
public sealed class RouterOracleTests
{
    [Theory]
    [InlineData("20.0.0.1=h1,h2")]            // the course placement: both muxes under t1
    [InlineData("20.0.0.1=h1,h16")]           // muxes in different pods: anycast to the nearest
    [InlineData("20.0.0.1=h1,h2", "20.0.0.2=h5,h9,h13")]
    public void Router_matches_the_course_controller_on_the_fixture(params string[] vipSpecs)
    {
        var fabric = FabricLoader.Load(RepoPaths.CourseTopologyJson);
        var vips = vipSpecs.Select(ParseVip).ToList();
        var plan = Router.Build(fabric, vips);

        var expected = RunOracle(RepoPaths.CourseTopologyJson, vipSpecs);
        var actual = plan.Switches.ToDictionary(
            s => s.Switch.Name,
            s => s.Routes.ToDictionary(r => r.Destination.ToString(), r => r.NextHops.Select(n => $"{n.Ingress.Mac}@{n.Egress.Port}").ToImmutableSortedSet()));

        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (sw, routes) in expected)
        {
            Assert.Equal(routes.Keys.Order(), actual[sw].Keys.Order());
            foreach (var (prefix, hops) in routes)
                Assert.True(hops.SetEquals(actual[sw][prefix]),
                    $"{sw} {prefix}: oracle [{string.Join(", ", hops)}] router [{string.Join(", ", actual[sw][prefix])}]");
        }
    }

    private static VipPlacement ParseVip(string spec)
    {
        var parts = spec.Split('=');
        return new VipPlacement(Ipv4Address.Parse(parts[0]), [.. parts[1].Split(',')]);
    }

    private static Dictionary<string, Dictionary<string, ImmutableSortedSet<string>>> RunOracle(string topologyJson, string[] vipSpecs)
    {
        var script = RepoPaths.Of("tests", "Lbdeploy.Tests", "Routing", "course_routing_oracle.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(topologyJson);
        foreach (var spec in vipSpecs) start.ArgumentList.Add(spec);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"oracle failed (is python3-networkx installed? apt-get install python3-networkx): {stderr}");
        using var doc = JsonDocument.Parse(stdout.Result);
        return doc.RootElement.EnumerateObject().ToDictionary(
            sw => sw.Name,
            sw => sw.Value.EnumerateObject().ToDictionary(
                route => route.Name,
                route => route.Value.EnumerateArray().Select(e => $"{MacAddress.Parse(e[0].GetString()!)}@{e[1].GetInt32()}").ToImmutableSortedSet()));
    }
}
