using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using Lbdeploy.Commands;
using Lbdeploy.Tests.Spec;
using Lbdeploy.Tests.Tracing;
using Lbdeploy.Tracing;

namespace Lbdeploy.Tests.Commands;

/// <summary>`lbdeploy trace` as users run it: text, --json, --svg (valid standalone SVG, rendered by a browser), errors.</summary>
public sealed class TraceCommandTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly SpecDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await LbdeployApp.RunAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private static string CourseSpec => RepoPaths.Combine("lb.yaml");

    [Fact]
    public async Task Prints_every_leg_hop_and_the_maglev_pick()
    {
        var (exit, output, error) = await Run("trace", "-f", CourseSpec, "--from", "h3");
        Assert.Equal("", error);
        Assert.Equal(0, exit);
        Assert.StartsWith("lbdeploy trace tcp 10.14.3.2:40000 -> 20.0.0.1:80 from h3 (target linux", output, StringComparison.Ordinal);
        var trace = FlowTracer.Trace(TracePlans.Plan("fattree-linux"), new TraceRequest("h3"));
        foreach (var leg in trace.Legs)
        {
            Assert.Contains(leg.Title, output, StringComparison.Ordinal);
            foreach (var hop in leg.Hops) Assert.Contains($"  {hop.Node} ({hop.Role})", output, StringComparison.Ordinal);
        }
        Assert.Contains($"Maglev at {trace.Balancing!.Mux}: tcp 10.14.3.2:40000 -> 20.0.0.1:80 -> DIP {trace.Balancing.Dip}", output, StringComparison.Ordinal);
        Assert.Contains("kernel hash(outer 10.13.", output, StringComparison.Ordinal);
        Assert.Contains("outer 10.13.", output, StringComparison.Ordinal);
        Assert.Contains("result: h3 -> ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_is_the_trace_model()
    {
        var (exit, output, _) = await Run("trace", "-f", CourseSpec, "--from", "h5", "--proto", "icmp", "--sport", "7", "--json");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("complete").GetBoolean());
        Assert.Equal("icmp", root.GetProperty("flow").GetProperty("protocol").GetString());
        Assert.Equal(3, root.GetProperty("legs").GetArrayLength());
        var first = root.GetProperty("legs")[0].GetProperty("hops")[0].GetProperty("sent");
        Assert.Equal(7, first.GetProperty("echo_identifier").GetInt32());
        Assert.Equal("h5-eth0", first.GetProperty("link").GetString());
    }

    [Fact]
    public async Task Svg_is_standalone_xml_with_every_hop_of_every_leg()
    {
        // A spec name with XML's special characters lands in the picture's header: it must come out escaped.
        var spec = directory.Write(File.ReadAllText(CourseSpec)
            .Replace("examples/fattree/fattree_app.json", "fattree.json", StringComparison.Ordinal)
            .Replace("docroot: examples/wwwroot", "docroot: wwwroot", StringComparison.Ordinal)
            .Replace("target: linux", "target: bmv2", StringComparison.Ordinal), "l&b<1>.yaml");
        var svgFile = Path.Combine(directory.Path, "out", "trace.svg");
        var (exit, _, error) = await Run("trace", "-f", spec, "--from", "h11", "--sport", "40123", "--svg", svgFile);
        Assert.Equal("", error);
        Assert.Equal(0, exit);

        var document = XDocument.Load(svgFile);
        var root = document.Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Matches(@"^0 0 \d+ \d+$", root.Attribute("viewBox")!.Value);
        Assert.Contains("l&b<1>.yaml", root.Descendants(Svg + "text").Select(t => t.Value).First(), StringComparison.Ordinal);

        var trace = FlowTracer.Trace(TracePlans.Plan("fattree-bmv2"), new TraceRequest("h11", null, 40123));
        var expected = trace.Legs.SelectMany(l => l.Hops.Select(h => (l.Kind, h.Node))).ToList();
        var drawn = root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "hop")
            .Select(g => ((string)g.Attribute("data-leg")!, (string)g.Attribute("data-node")!)).ToList();
        Assert.Equal(expected, drawn);
        // Each hop's box shows its headers: the tunnel's boxes the outer header, every box its node name.
        foreach (var hop in root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "hop"))
        {
            var texts = hop.Descendants(Svg + "text").Select(t => t.Value).ToList();
            Assert.StartsWith((string)hop.Attribute("data-node")! + " (", texts[0], StringComparison.Ordinal);
            Assert.Contains(texts, t => t.StartsWith("eth src ", StringComparison.Ordinal));
            if ((string)hop.Attribute("data-leg")! == TraceLegKinds.Tunnel) Assert.Contains(texts, t => t.StartsWith("outer ", StringComparison.Ordinal));
        }
        Assert.Equal(3, root.Descendants(Svg + "g").Count(g => ((string?)g.Attribute("class"))?.StartsWith("leg ", StringComparison.Ordinal) == true));
    }

    [ChromiumFact]
    public async Task A_browser_renders_the_svg()
    {
        var svgFile = Path.Combine(directory.Path, "trace.svg");
        var (exit, _, _) = await Run("trace", "-f", CourseSpec, "--from", "h7", "--svg", svgFile);
        Assert.Equal(0, exit);
        var root = XDocument.Load(svgFile).Root!;
        var width = int.Parse(root.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        var height = int.Parse(root.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture);

        var png = Path.Combine(directory.Path, "trace.png");
        var profile = Directory.CreateTempSubdirectory("lbdeploy-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(ChromiumFactAttribute.Path!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", $"--user-data-dir={profile}", $"--window-size={width},{height}", $"--screenshot={png}", svgFile,
            }) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("chromium did not finish within 90 s");
            }
            Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {process.ExitCode}): {await stderr}");
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }

        var bytes = File.ReadAllBytes(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        // A blank page of this size compresses to a few KB; boxes full of text do not.
        Assert.True(bytes.Length > 50_000, $"the screenshot is only {bytes.Length} bytes: did the SVG render?");
    }

    [Theory]
    [InlineData("h99", "error: --from h99: no such host")]
    [InlineData("h14", "error: --from h14: h14 is a DIP")]
    public async Task A_wrong_host_is_one_line_on_stderr(string from, string expected)
    {
        var (exit, output, error) = await Run("trace", "-f", CourseSpec, "--from", from);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task A_flow_the_mux_drops_prints_the_reason_and_exits_1()
    {
        var (exit, output, _) = await Run("trace", "-f", CourseSpec, "--from", "h3", "--dport", "443");
        Assert.Equal(1, exit);
        Assert.Contains("drops tcp 10.14.3.2:40000 -> 20.0.0.1:443", output, StringComparison.Ordinal);
        Assert.Contains("FAILED: the mux", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task From_is_required_and_proto_is_checked()
    {
        Assert.NotEqual(0, (await Run("trace", "-f", CourseSpec)).Exit);
        Assert.NotEqual(0, (await Run("trace", "-f", CourseSpec, "--from", "h3", "--proto", "sctp")).Exit);
    }
}

/// <summary>A fact that needs the chromium browser (Debian package `chromium`); skipped with the reason otherwise.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public static readonly string? Path = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    public ChromiumFactAttribute()
    {
        if (Path is null) Skip = "chromium is not installed (apt-get install -y chromium): the SVG is only checked as XML";
    }
}
