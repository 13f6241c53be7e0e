using Lbdeploy.Commands;

return await LbdeployApp.RunAsync(args);
