using Lbdeploy.Common;
using System.CommandLine;
using Lbdeploy.Spec;
using Lbdeploy.Topology;

namespace Lbdeploy.Commands;

/// <summary>
/// Runs a command's body and turns failures into what a user wants to see: one line per problem on stderr and a
/// non-zero exit code; the stack trace only with --verbose. Every command's action goes through here.
/// </summary>
public static class CommandRunner
{
    public const int Success = ExitCodes.Success;
    public const int UserError = ExitCodes.UserError;
    public const int InternalError = ExitCodes.InternalError;
    public const int Interrupted = ExitCodes.Interrupted;

    public static async Task<int> RunAsync(ParseResult parseResult, Func<CommandContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var context = new CommandContext(parseResult);
        var error = context.Error;
        try
        {
            return await body(context, cancellationToken);
        }
        catch (SpecException e)
        {
            foreach (var diagnostic in e.Diagnostics) error.WriteLine(diagnostic.ToString());
            WriteTrace(context, e);
            return Failed(context, UserError, e.Diagnostics.Select(JsonError.Of));
        }
        catch (Exception e) when (e is TopologyException or LbdeployException)
        {
            error.WriteLine($"error: {e.Message}");
            WriteTrace(context, e);
            return Failed(context, e is LbdeployException typed ? typed.ExitCode : UserError, [new JsonError(e.Message) { Fix = (e as LbdeployException)?.Fix }]);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            error.WriteLine("interrupted");
            WriteTrace(context, e);
            return Failed(context, Interrupted, [new JsonError("interrupted")]);
        }
        catch (Exception e)
        {
            var message = e.Message.ReplaceLineEndings(" ");
            error.WriteLine($"internal error: {e.GetType().Name}: {message}{(context.Verbose ? "" : " (run again with --verbose for the stack trace)")}");
            WriteTrace(context, e);
            return Failed(context, InternalError, [new JsonError(message) { Type = e.GetType().Name, Fix = "a bug in lbdeploy: run again with --verbose for the stack trace and report it" }]);
        }
    }

    /// <summary>Under --json, stdout gets the error document too (stderr keeps its lines).</summary>
    private static int Failed(CommandContext context, int exitCode, IEnumerable<JsonError> errors) =>
        context.Json ? JsonOutput.WriteErrors(context.Output, exitCode, errors) : exitCode;

    private static void WriteTrace(CommandContext context, Exception e)
    {
        if (context.Verbose) context.Error.WriteLine(e.ToString());
    }
}

/// <summary>What a command body gets: the parse result, the output writers and the global options.</summary>
public sealed class CommandContext(ParseResult parseResult)
{
    public ParseResult ParseResult { get; } = parseResult;

    public TextWriter Output => ParseResult.InvocationConfiguration.Output;

    public TextWriter Error => ParseResult.InvocationConfiguration.Error;

    public bool Verbose => ParseResult.GetValue(GlobalOptions.Verbose);

    public bool Strict => ParseResult.GetValue(GlobalOptions.Strict);

    /// <summary>The command's --json is set: stdout holds one JSON document (<see cref="JsonOutput"/>).</summary>
    public bool Json => JsonOutput.Requested(ParseResult);

    /// <summary>Where progress lines go: stdout, or stderr under --json (stdout holds the document only).</summary>
    public TextWriter Progress => Json ? Error : Output;

    /// <summary>Plans a spec with this command line's --strict, printing its warnings (once) on stderr.</summary>
    public Planning.DeploymentPlan Plan(string specPath, PhaseClock? clock = null)
    {
        var plan = Planning.Planner.Create(specPath, clock: clock, strict: Strict);
        foreach (var warning in plan.Warnings) Error.WriteLine(warning.ToString());
        return plan;
    }

    /// <summary>Loads a spec and its fabric with this command line's --strict, printing its warnings on stderr.</summary>
    public Planning.LoadedSpec LoadSpec(string specPath)
    {
        var loaded = Planning.SpecLoader.Load(specPath, strict: Strict);
        foreach (var warning in loaded.Warnings) Error.WriteLine(warning.ToString());
        return loaded;
    }

    public T? Get<T>(Option<T> option) => ParseResult.GetValue(option);

    public T? Get<T>(Argument<T> argument) => ParseResult.GetValue(argument);
}
