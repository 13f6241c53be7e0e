namespace Lbdeploy.Routing;

/// <summary>A VIP placement the router cannot honour (unknown mux, VIP clashing with a host address); one line with the fix.</summary>
public sealed class RoutingException : Exception
{
    public RoutingException(string message) : base(message) { }
}
