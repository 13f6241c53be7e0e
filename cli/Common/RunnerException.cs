
namespace Lbdeploy.Common;

/// <summary>
/// A failure of the runner the user can act on (not root, no running network, a host missing, an engine that died
/// at start): one line saying what, where and how to fix it; printed by the command runner without a stack trace.
/// </summary>
public class RunnerException(string message, Exception? inner = null) : LbdeployException(message, ExitCodes.UserError, inner);
