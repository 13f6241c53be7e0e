using Lbdeploy.Commands;

// lbdeploy drives Linux network namespaces, mininet and Unix sockets: it runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

return await LbdeployApp.RunAsync(args);
