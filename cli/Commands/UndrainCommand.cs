using System.CommandLine;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy undrain DIP`: ends a runtime drain on every mux (see <see cref="DrainCommand"/>).</summary>
public static class UndrainCommand
{
    public static Command Create() => DrainCommand.Create("undrain", drained: false,
        "End a runtime drain of a DIP on every mux: it gets new flows again (its lb.yaml weight)");
}
