using System.Reflection;
using System.Reflection.Emit;

namespace Lb.Tests.Shared;

/// <summary>
/// Which namespace of an assembly uses which, read from the compiled code itself: base types, interfaces, field,
/// property and signature types, generic arguments, and every type, method and field token in every method body (so
/// lambdas, async methods and fully qualified names count too). A namespace is a folder: the folder graph of the
/// source tree, without reading any source.
/// </summary>
public static class NamespaceGraph
{
    private static readonly Dictionary<short, OperandType> OpCodeOperands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    /// <summary>Edges namespace -> namespaces it uses, for namespaces starting with <paramref name="prefix"/>.</summary>
    public static Dictionary<string, SortedSet<string>> Of(Assembly assembly, string prefix)
    {
        var graph = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            var from = type.Namespace;
            if (from is null || !from.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var edges = graph.TryGetValue(from, out var set) ? set : graph[from] = new SortedSet<string>(StringComparer.Ordinal);
            void Use(Type? used)
            {
                if (used is null) return;
                if (used.HasElementType) { Use(used.GetElementType()); return; }
                if (used.IsGenericType && !used.IsGenericTypeDefinition)
                {
                    Use(used.GetGenericTypeDefinition());
                    foreach (var argument in used.GetGenericArguments()) Use(argument);
                    return;
                }
                if (used.IsGenericParameter) return;
                if (used.Assembly == assembly && used.Namespace is { } to && to.StartsWith(prefix, StringComparison.Ordinal) && to != from) edges.Add(to);
            }

            Use(type.BaseType);
            foreach (var i in type.GetInterfaces()) Use(i);
            const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var field in type.GetFields(All)) Use(field.FieldType);
            foreach (var property in type.GetProperties(All)) Use(property.PropertyType);
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                if (method is MethodInfo info) Use(info.ReturnType);
                foreach (var parameter in method.GetParameters()) Use(parameter.ParameterType);
                foreach (var used in BodyReferences(method)) Use(used);
            }
        }
        return graph;
    }

    /// <summary>The types a method body mentions: every type, field and method token of its IL, plus its locals.</summary>
    private static IEnumerable<Type?> BodyReferences(MethodBase method)
    {
        MethodBody? body;
        try
        {
            body = method.GetMethodBody();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            yield break;
        }
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        var il = body.GetILAsByteArray() ?? [];
        var module = method.Module;
        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var operand = OpCodeOperands.TryGetValue(value, out var kind) ? kind : OperandType.InlineNone;
            if (operand is OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField)
            {
                var token = BitConverter.ToInt32(il, i);
                Type? used = null;
                try
                {
                    used = operand switch
                    {
                        OperandType.InlineMethod => module.ResolveMethod(token, typeArguments, methodArguments)?.DeclaringType,
                        OperandType.InlineField => module.ResolveField(token, typeArguments, methodArguments)?.DeclaringType,
                        OperandType.InlineType => module.ResolveType(token, typeArguments, methodArguments),
                        _ => module.ResolveMember(token, typeArguments, methodArguments) switch
                        {
                            Type t => t,
                            MemberInfo m => m.DeclaringType,
                            _ => null,
                        },
                    };
                }
                catch (ArgumentException)
                {
                    // A token of another module's generic context: not one of ours.
                }
                yield return used;
            }
            i += operand switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }

    /// <summary>Every cycle (strongly connected set of two or more namespaces), each sorted, for messages.</summary>
    public static List<List<string>> Cycles(Dictionary<string, SortedSet<string>> graph)
    {
        var index = 0;
        var indexes = new Dictionary<string, int>(StringComparer.Ordinal);
        var lows = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<List<string>>();
        void Visit(string node)
        {
            indexes[node] = lows[node] = index++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (!indexes.ContainsKey(next))
                {
                    Visit(next);
                    lows[node] = Math.Min(lows[node], lows[next]);
                }
                else if (onStack.Contains(next))
                {
                    lows[node] = Math.Min(lows[node], indexes[next]);
                }
            }
            if (lows[node] != indexes[node]) return;
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (member != node);
            if (component.Count > 1) cycles.Add([.. component.Order(StringComparer.Ordinal)]);
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!indexes.ContainsKey(node)) Visit(node);
        }
        return cycles;
    }

    /// <summary>The edges inside one cycle, to say which uses break it ("Runner -> Commands").</summary>
    public static IEnumerable<string> EdgesWithin(Dictionary<string, SortedSet<string>> graph, IReadOnlyCollection<string> cycle) =>
        cycle.SelectMany(from => (graph.GetValueOrDefault(from) ?? []).Where(cycle.Contains).Select(to => $"{from} -> {to}"));
}
