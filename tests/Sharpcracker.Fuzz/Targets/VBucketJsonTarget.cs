using System.Text;
using Sharpcracker.Configuration;

namespace Sharpcracker.Fuzz;

/// <summary>
/// The moxi/Couchbase vBucketServerMap JSON reader (VBucketServerMap.Parse), with its own
/// serverList and as a YAML pool's vbucket_map_file (no list needed, 4 servers). Properties: the
/// document loads or is refused with a FormatException (ConfigLoader turns it into a
/// ConfigException naming the key), nothing else; a loaded map has a power-of-two number of
/// vBuckets and routes every key to one of its servers.
/// </summary>
internal sealed class VBucketJsonTarget : FuzzTarget
{
    public override string Name => "vbucket-json";

    public override void Check(ReadOnlySpan<byte> input)
    {
        var json = Encoding.UTF8.GetString(input);
        foreach (var servers in new int?[] { null, 4 })
        {
            VBucketServerMap map;
            try
            {
                map = VBucketServerMap.Parse(json, servers);
            }
            catch (FormatException e)
            {
                Property.That(e.Message.Length > 0, "a refusal without a reason");
                continue;
            }
            var count = map.Map.VBucketCount;
            Property.That(count > 0 && (count & (count - 1)) == 0, $"{count} vBuckets");
            Property.That(map.Servers.Count == 0 ? servers is not null : map.Map.ServerCount == map.Servers.Count, "the map's server count is not its serverList's");
            var server = map.Map.Route("fuzz"u8);
            Property.That(server >= -1 && server < map.Map.ServerCount, $"key routed to server {server} of {map.Map.ServerCount}");
        }
    }
}
