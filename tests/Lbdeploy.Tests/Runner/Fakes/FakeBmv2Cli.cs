using System.Text.Json;

namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>
/// A fake simple_switch_CLI: a Python script in a temporary folder that keeps each thrift port's ipv4_lpm and
/// ecmp_group_to_nhop tables in a JSON file, records every run's stdin, and answers like bmv2's runtime_CLI.py
/// (the `RuntimeCmd: ` prompt, "Entry has been added with handle N", table_dump_entry_from_key's
/// "Dumping entry 0x..." / "Action entry: MyIngress.ACTION - HEX, HEX" and "Invalid table operation (BAD_MATCH_KEY)").
/// Handles are never reused, as bmv2's are not across re-adds. A port marked <see cref="Unreachable"/> fails as the
/// real CLI does with no switch behind it.
/// </summary>
internal sealed class FakeBmv2Cli : IDisposable
{
    private const string Script = """
        #!/usr/bin/env python3
        import fcntl, json, os, sys
        here = os.path.dirname(os.path.abspath(__file__))
        port = sys.argv[sys.argv.index('--thrift-port') + 1]
        lines = [l for l in sys.stdin.read().split('\n') if l.strip()]
        with open(os.path.join(here, 'calls.jsonl'), 'a') as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            log.write(json.dumps({'port': int(port), 'stdin': lines}) + '\n')
        if os.path.exists(os.path.join(here, 'down-' + port)):
            print('Could not connect to thrift client on port %s' % port)
            print('Make sure the switch is running and that you have the right port')
            sys.exit(1)
        path = os.path.join(here, 'state-%s.json' % port)
        state = json.load(open(path)) if os.path.exists(path) else {'next': 0, 'tables': {'ipv4_lpm': {}, 'ecmp_group_to_nhop': {}}}
        widths = {'set_nhop': [6, 2], 'ecmp_group': [2, 2], 'drop': []}
        kinds = {'ipv4_lpm': 'lpm', 'ecmp_group_to_nhop': 'exact'}
        def data(action, params):
            return ', '.join(format(int(p.replace(':', ''), 16) if ':' in p else int(p), '0%dx' % (2 * w)) for p, w in zip(params, widths[action]))
        def find(table, key):
            return next((h for h, e in state['tables'][table].items() if e['key'] == key), None)
        out = ['Obtaining JSON from switch...', 'Done', 'Control utility for runtime P4 table manipulation']
        for line in lines:
            w = line.split()
            cmd, args = w[0], w[1:]
            said = []
            if cmd == 'reset_state':
                state['tables'] = {t: {} for t in state['tables']}
            elif not args or args[0] not in state['tables']:
                said.append('Invalid table name')
            else:
                table, entries = args[0], state['tables'][args[0]]
                if cmd == 'table_clear':
                    entries.clear()
                elif cmd == 'table_set_default':
                    said += ['Setting default action of MyIngress.%s' % table, 'action:              MyIngress.%s' % args[1], 'runtime data:        ']
                elif cmd == 'table_add':
                    arrow = args.index('=>')
                    key, params = ' '.join(args[2:arrow]), args[arrow + 1:]
                    if find(table, key) is not None:
                        said.append('Invalid table operation (DUPLICATE_ENTRY)')
                    else:
                        handle = state['next']
                        state['next'] += 1
                        entries[str(handle)] = {'key': key, 'action': args[1], 'params': params}
                        said += ['Adding entry to %s match table MyIngress.%s' % (kinds[table], table), 'match key:           %s' % key,
                                 'action:              MyIngress.%s' % args[1], 'runtime data:        %s' % '\t'.join(params),
                                 'Entry has been added with handle %d' % handle]
                elif cmd == 'table_modify':
                    params = args[3:]
                    if params and params[0] == '=>':
                        params = params[1:]
                    if args[2] not in entries:
                        said.append('Invalid table operation (INVALID_HANDLE)')
                    else:
                        entries[args[2]].update(action=args[1], params=params)
                        said.append('Modifying entry %s for MyIngress.%s' % (args[2], table))
                elif cmd == 'table_delete':
                    if entries.pop(args[1], None) is None:
                        said.append('Invalid table operation (INVALID_HANDLE)')
                    else:
                        said.append('Deleting entry %s from MyIngress.%s' % (args[1], table))
                elif cmd == 'table_dump_entry_from_key':
                    handle = find(table, ' '.join(args[1:]))
                    if handle is None:
                        said.append('Invalid table operation (BAD_MATCH_KEY)')
                    else:
                        e = entries[handle]
                        said += ['Dumping entry %s' % hex(int(handle)), 'Match key:', '* key                 : %-10s%s' % (kinds[table].upper(), e['key']),
                                 'Action entry: MyIngress.%s - %s' % (e['action'], data(e['action'], e['params']))]
                else:
                    said.append('*** Unknown syntax: %s' % line)
            said = said or ['']
            out.append('RuntimeCmd: ' + said[0])
            out += said[1:]
        json.dump(state, open(path, 'w'))
        print('\n'.join(out))
        print('RuntimeCmd: ')
        """;

    public FakeBmv2Cli()
    {
        Folder = Directory.CreateTempSubdirectory("lbdeploy-fake-bmv2-").FullName;
        Program = Path.Combine(Folder, "simple_switch_CLI");
        File.WriteAllText(Program, Script);
        File.SetUnixFileMode(Program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Folder { get; }

    /// <summary>The fake's path (named simple_switch_CLI, as the runner's bmv2 CLI).</summary>
    public string Program { get; }

    /// <summary>Every run so far: the thrift port and the command lines it was sent.</summary>
    public IReadOnlyList<(int Port, IReadOnlyList<string> Lines)> Calls()
    {
        var path = Path.Combine(Folder, "calls.jsonl");
        if (!File.Exists(path)) return [];
        return [.. File.ReadAllLines(path).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return (doc.RootElement.GetProperty("port").GetInt32(),
                (IReadOnlyList<string>)[.. doc.RootElement.GetProperty("stdin").EnumerateArray().Select(e => e.GetString()!)]);
        })];
    }

    /// <summary>A table of the switch on <paramref name="port"/>: its entries (handle, key, action, parameters).</summary>
    public IReadOnlyList<FakeEntry> Table(int port, string table)
    {
        var path = Path.Combine(Folder, $"state-{port}.json");
        if (!File.Exists(path)) return [];
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return [.. doc.RootElement.GetProperty("tables").GetProperty(table).EnumerateObject().Select(e => new FakeEntry(
            long.Parse(e.Name, System.Globalization.CultureInfo.InvariantCulture),
            e.Value.GetProperty("key").GetString()!,
            e.Value.GetProperty("action").GetString()!,
            [.. e.Value.GetProperty("params").EnumerateArray().Select(p => p.GetString()!)]))];
    }

    /// <summary>Makes runs on <paramref name="port"/> fail (no switch there), or work again.</summary>
    public void Unreachable(int port, bool on = true)
    {
        var marker = Path.Combine(Folder, $"down-{port}");
        if (on) File.WriteAllText(marker, "");
        else File.Delete(marker);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

internal sealed record FakeEntry(long Handle, string Key, string Action, IReadOnlyList<string> Parameters);
