using System.CommandLine;

namespace Lbdeploy.Commands;

public static class LbdeployApp
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("lbdeploy: declarative deployment of an L4 load balancer on a mininet / P4 fabric");
        return await root.Parse(args).InvokeAsync();
    }
}
