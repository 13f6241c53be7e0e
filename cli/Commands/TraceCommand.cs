using System.CommandLine;
using Lbdeploy.Common;
using Lbdeploy.Planning;
using Lbdeploy.Runner;
using static Lbdeploy.Runner.ConnectionReader;
using Lbdeploy.Tracing;
using Lbdeploy.Nodes;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy trace --from HOST [--proto tcp|udp|icmp] [--sport N] [--dport N] [-f lb.yaml] [--json] [--svg FILE] [--live]`:
/// the path and headers of one flow, predicted from the plan (no network needed): every hop, the ECMP branch and
/// why, the mux's Maglev pick, the IP-in-IP leg to the DIP and the DSR reply. Exit 1 when the flow does not make
/// the round trip.
/// With --live, one real packet of the flow is sent on the running deployment and captured at every hop (LiveTracer);
/// exit 1 also when the capture differs from the prediction.
/// </summary>
public static class TraceCommand
{
    public static Command Create()
    {
        var file = GlobalOptions.SpecFile();
        var from = new Option<string>("--from")
        {
            Description = "The client host the flow starts at (e.g. h3)",
            Required = true,
            HelpName = "host",
        };
        var protocol = new Option<string?>("--proto")
        {
            Description = "The flow's protocol (default: that of the VIP's first port)",
            HelpName = "tcp|udp|icmp",
        };
        protocol.AcceptOnlyFromAmong([.. TraceRequest.Protocols]);
        var sourcePort = new Option<int?>("--sport")
        {
            Description = $"Source port, or the echo identifier for icmp (default {TraceRequest.DefaultSourcePort})",
            HelpName = "port",
        };
        var destinationPort = new Option<int?>("--dport")
        {
            Description = "Destination port for tcp and udp (default: the VIP's first port of the protocol)",
            HelpName = "port",
        };
        var json = JsonOutput.Option("Print the trace as JSON");
        var live = new Option<bool>("--live")
        {
            Description = "Also send one real packet of the flow from the client on the running deployment and capture it at every hop (tcpdump), beside the prediction",
        };
        var svg = new Option<string?>("--svg") { Description = "Also draw the path as an SVG picture into this file", HelpName = "file" };

        var command = new Command("trace", "Show the path and headers of one flow through the fabric, the mux, the tunnel and the DSR reply, predicted from the plan")
        {
            file, from, protocol, sourcePort, destinationPort, json, live, svg,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(parseResult, async (context, token) =>
        {
            // A picture that cannot be written is refused before any work (and before --live sends anything).
            var svgPath = context.Get(svg) is { } svgFile ? WritableFolders.CheckFile(svgFile, "--svg") : null;
            var plan = context.Plan(context.Get(file)!);
            var request = new TraceRequest(context.Get(from)!, context.Get(protocol), context.Get(sourcePort), context.Get(destinationPort));
            var trace = context.Get(live)
                ? await new LiveTracer(new HostShell(NetworkLocator.Deployed(plan, RunnerEnvironment.Default).Network)).TraceAsync(plan, request, token)
                : FlowTracer.Trace(plan, request);
            trace = await WithSecondChanceAsync(plan, trace, token);
            if (svgPath is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(svgPath)!);
                File.WriteAllText(svgPath, TraceRenderer.Svg(trace));
            }
            var exit = trace.Complete && trace.Live is not { Matches: false } ? CommandRunner.Success : CommandRunner.UserError;
            if (context.Json) return JsonOutput.Write(context.Output, exit, TraceRenderer.Json(trace));
            context.Output.Write(TraceRenderer.Text(trace));
            return exit;
        }, cancellationToken));
        return command;
    }

    /// <summary>With the second chance on in the plan: the traced mux's alternates for the flow, if it runs, as legs.</summary>
    private static async Task<FlowTrace> WithSecondChanceAsync(DeploymentPlan plan, FlowTrace trace, CancellationToken ct)
    {
        if (SecondChanceTrace.FlowToAsk(plan, trace) is not { } flow) return SecondChanceTrace.Apply(plan, trace, null);
        var mux = trace.Balancing!.Mux;
        MuxLookup? lookup;
        string? unavailable;
        try
        {
            (lookup, unavailable) = await new ConnectionReader(RunnerEnvironment.Default).TryLookupAsync(mux, flow, plan.SpecPath, ct);
        }
        catch (LbdeployException e)
        {
            (lookup, unavailable) = (null, e.Message); // e.g. an unusable state folder: the trace goes on without the mux
        }
        var answer = lookup is null ? SecondChanceAnswer.NotAsked(mux, unavailable!) : new SecondChanceAnswer(mux, lookup.Dip, lookup.Alternates);
        return SecondChanceTrace.Apply(plan, trace, answer);
    }
}
