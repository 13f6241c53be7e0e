namespace Lbdeploy.Topology;

/// <summary>
/// A topology file that cannot be turned into a <see cref="Fabric"/>: unreadable, malformed, or describing something
/// p4-utils would not build. The message is one line naming the file (and line:column for JSON syntax errors) and the fix.
/// </summary>
public sealed class TopologyException : Exception
{
    public TopologyException(string message) : base(message) { }

    public TopologyException(string message, Exception inner) : base(message, inner) { }
}
