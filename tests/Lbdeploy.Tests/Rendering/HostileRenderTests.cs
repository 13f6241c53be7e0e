using System.Collections.Immutable;
using System.Diagnostics;
using Lbdeploy.Planning;
using Lbdeploy.Rendering;
using Lbdeploy.Routing;
using Lbdeploy.Tests.Spec;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.Rendering;

/// <summary>
/// The quoting proof: the real renderers, fed a fabric whose every host, switch and interface name is a shell
/// injection (the importers refuse such names; this checks the second line of defence), write scripts that /bin/sh
/// runs without executing any of it. Each payload would create a marker file in the scripts' folder if a value ever
/// reached a shell line unquoted. `ip` and `sysctl` are stubbed, so nothing touches this machine's network.
/// </summary>
public sealed class HostileRenderTests : IDisposable
{
    // Each would run `touch` if it reached the shell as code: command substitution, separators, pipes, backgrounding,
    // redirection, breaking out of single and double quotes, globbing, word splitting.
    private static readonly string[] Payloads =
    [
        "$(touch m1)", "`touch m2`", ";touch m3;", "|touch m4", "&touch m5&", ">m6", "'$(touch m7)'", "\"$(touch m8)\"",
        "*", "a b", "${IFS}touch${IFS}m9", "\\$(touch m10)", "-rf", "x'y", "~root", "#hash",
    ];

    private readonly string folder = Directory.CreateTempSubdirectory("lbdeploy-hostile-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Every_generated_script_keeps_hostile_names_as_data()
    {
        var (spec, fabric) = Hostile();
        var forwarding = Router.Build(fabric, [new VipPlacement(spec.Vip.Address, spec.Muxes)]);
        var clients = SpecLoader.Clients(spec, fabric);
        var rendered = PlanRenderer.Render(spec, fabric, forwarding, clients, EngineConfigs.Build(spec, fabric), () => new SummaryVerification(0, []));
        var scripts = rendered.Files.Where(f => f.Key.EndsWith(".sh", StringComparison.Ordinal)).ToList();
        Assert.Contains(scripts, s => s.Key.StartsWith("switches/linux/", StringComparison.Ordinal));
        Assert.Contains(scripts, s => s.Key.StartsWith("hosts/", StringComparison.Ordinal));

        for (var i = 0; i < scripts.Count; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"script{i}.sh"), scripts[i].Value);
        }
        foreach (var i in Enumerable.Range(0, scripts.Count))
        {
            var (exit, stderr) = RunStubbed($"script{i}.sh");
            Assert.True(exit == 0, $"{scripts[i].Key} failed under sh (exit {exit}): {stderr}");
        }
        var left = Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(f => !f!.StartsWith("script", StringComparison.Ordinal)).ToList();
        Assert.True(left.Count == 0, $"a hostile name ran as code and created: {string.Join(", ", left)}");

        // The server command's placeholders are quoted the same way.
        var command = Planner.ServerCommand(spec with { Servers = spec.Servers with { Command = "echo {host} {docroot}" } }, spec.Dips[0].Host, 80);
        File.WriteAllText(Path.Combine(folder, "server.sh"), command + "\n");
        Assert.Equal(0, RunStubbed("server.sh").Exit);
        Assert.DoesNotContain(Directory.EnumerateFiles(folder).Select(Path.GetFileName), f => f!.StartsWith('m'));
    }

    [Theory]
    [InlineData("h1\ntouch m")]
    [InlineData("h1\0x")]
    [InlineData("h1\u001b[2J")]
    public void A_name_with_a_control_character_is_refused_by_the_renderer(string name)
    {
        var (spec, fabric) = Hostile(_ => name);
        var forwarding = Router.Build(fabric, [new VipPlacement(spec.Vip.Address, spec.Muxes)]);
        Assert.ThrowsAny<Exception>(() => PlanRenderer.Render(spec, fabric, forwarding, SpecLoader.Clients(spec, fabric), EngineConfigs.Build(spec, fabric), () => new SummaryVerification(0, [])));
    }

    /// <summary>
    /// FRR configs have no quoting: a name that is not one plain word (a space starts another argument, `!` a comment,
    /// a newline another command) fails the render instead of reaching a config. The kernel scripts of the frr target
    /// are shell and keep such names as data, like every other script.
    /// </summary>
    [Fact]
    public void The_frr_target_refuses_a_hostile_name_in_a_config_and_quotes_it_in_a_script()
    {
        var (spec, fabric) = Hostile();
        spec = spec with { Target = Lbdeploy.Spec.SwitchTarget.Frr };
        var forwarding = Router.Build(fabric, [new VipPlacement(spec.Vip.Address, spec.Muxes)]);
        var design = Lbdeploy.Bgp.BgpDesigner.Design(fabric, spec.Vip.Address, spec.Muxes, spec.Bgp);
        var error = Assert.ThrowsAny<Exception>(() => PlanRenderer.Render(spec, fabric, forwarding, SpecLoader.Clients(spec, fabric), EngineConfigs.Build(spec, fabric), () => new SummaryVerification(0, []), bgp: design));
        Assert.Contains("into an FRR config: it is not one word", error.InnerException?.InnerException?.Message ?? error.InnerException?.Message ?? error.Message, StringComparison.Ordinal);

        var kernel = TemplateRenderer.Render("frr/switch.sh.sbn", FrrConfigs.Kernel(fabric.Switches[0].Name, [.. fabric.LinksOf(fabric.Switches[0].Name).Select(l => l.End(fabric.Switches[0].Name).Name)], Lbdeploy.Spec.LbSpec.DefaultFabricHashSeed));
        File.WriteAllText(Path.Combine(folder, "script-frr.sh"), kernel);
        var (exit, stderr) = RunStubbed("script-frr.sh");
        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain(Directory.EnumerateFiles(folder).Select(Path.GetFileName), f => !f!.StartsWith("script", StringComparison.Ordinal));
    }

    private (int Exit, string Stderr) RunStubbed(string script)
    {
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = folder, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-c", "ip() { :; }; sysctl() { :; }; . ./\"$1\"", "sh", script }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stderr);
    }

    /// <summary>The course deployment with every node and interface renamed to a payload (or by <paramref name="rename"/>).</summary>
    private static (Lbdeploy.Spec.LbSpec Spec, Fabric Fabric) Hostile(Func<string, string>? rename = null)
    {
        var loaded = SpecLoader.Load(RepoPaths.Combine("lb.yaml"), "lb.yaml");
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var counter = 0;
        string Rename(string name)
        {
            if (!names.TryGetValue(name, out var renamed))
            {
                renamed = rename?.Invoke(name) ?? $"{name}{Payloads[counter++ % Payloads.Length]}";
                if (rename is not null && names.ContainsValue(renamed)) renamed += counter++;
                names[name] = renamed;
            }
            return renamed;
        }
        var source = loaded.Fabric;
        FabricInterface End(FabricInterface end) => end with { Node = Rename(end.Node), Name = Rename(end.Name) };
        var fabric = new Fabric(
            source.Source,
            [.. source.Hosts.Select(h => h with { Name = Rename(h.Name), Interface = Rename(h.Interface) })],
            [.. source.Switches.Select(s => s with { Name = Rename(s.Name) })],
            [.. source.Links.Select(l => l with { A = End(l.A), B = End(l.B) })]);
        var spec = loaded.Spec with
        {
            Muxes = [.. loaded.Spec.Muxes.Select(Rename)],
            Dips = [.. loaded.Spec.Dips.Select(d => d with { Host = Rename(d.Host) })],
            Clients = loaded.Clients.Select(Rename).ToImmutableArray(),
        };
        return (spec, fabric);
    }
}
