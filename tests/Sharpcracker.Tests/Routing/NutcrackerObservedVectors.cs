// Placements observed on the real twemproxy 0.5.0 binary (Debian package nutcracker) in front of five local
// memcached instances: each key was set through the proxy, then looked up on every memcached directly.
// Pool: hash_tag "{}", servers listed in the config as
//   127.0.0.1:21214:3 / 127.0.0.1:11211:1 / 127.0.0.1:21212:2 beta / 127.0.0.1:21211:1 alpha-node
// twemproxy numbers them sorted by name (shorter first, then bytes); Members is that order.
namespace Sharpcracker.Tests.Routing;

internal static class NutcrackerObservedVectors
{
    /// <summary>(ServerIndex, name, weight) as twemproxy orders them; port 11211 drops ":port" from the name.</summary>
    public static readonly (int Index, string Name, int Weight)[] Members =
    [
        (0, "beta", 2),
        (1, "127.0.0.1", 1),
        (2, "alpha-node", 1),
        (3, "127.0.0.1:21214", 3),
    ];

    /// <summary>Keys in hex.</summary>
    public static readonly string[] Keys =
    [
        "6b65793a30", // key:0
        "6b65793a31", // key:1
        "6b65793a32", // key:2
        "6b65793a33", // key:3
        "6b65793a34", // key:4
        "6b65793a35", // key:5
        "6b65793a36", // key:6
        "6b65793a37", // key:7
        "6b65793a38", // key:8
        "6b65793a39", // key:9
        "6b65793a3130", // key:10
        "6b65793a3131", // key:11
        "6b65793a3132", // key:12
        "6b65793a3133", // key:13
        "6b65793a3134", // key:14
        "6b65793a3135", // key:15
        "6b65793a3136", // key:16
        "6b65793a3137", // key:17
        "6b65793a3138", // key:18
        "6b65793a3139", // key:19
        "6b65793a3230", // key:20
        "6b65793a3231", // key:21
        "6b65793a3232", // key:22
        "6b65793a3233", // key:23
        "6b65793a3234", // key:24
        "6b65793a3235", // key:25
        "6b65793a3236", // key:26
        "6b65793a3237", // key:27
        "6b65793a3238", // key:28
        "6b65793a3239", // key:29
        "757365723a7b313030307d3a61", // user:{1000}:a
        "757365723a7b313030307d3a62", // user:{1000}:b
        "31303030", // 1000
        "7b7d78", // {}x
        "787b", // x{
        "787b7d", // x{}
        "617d627b637d", // a}b{c}
        "7b617d7b627d", // {a}{b}
        "7b6162", // {ab
        "c3a974c3a9", // \xc3\xa9t\xc3\xa9
        "ff807e", // \xff\x80~
        "666f6f", // foo
        "7be9e97d", // {\xe9\xe9}
        string.Concat(Enumerable.Repeat("6b", 250)),
    ];

    /// <summary>Hash, distribution, one digit per key: the ServerIndex nutcracker stored the key on.</summary>
    public static readonly (string Hash, string Distribution, string Servers)[] Observed =
    [
        ("one_at_a_time", "ketama", "02321132233233232030000202331333333333302000"),
        ("one_at_a_time", "modula", "11110011230233030131332002023300010200230212"),
        ("md5", "ketama", "12313232223300121302321231331333303303330000"),
        ("md5", "modula", "31030303131302120033303303112033333203013330"),
        ("crc16", "ketama", "22222222220000000000222222222211103311033010"),
        ("crc16", "modula", "31100332032303130203231303021311120130030123"),
        ("crc32", "ketama", "11111111111111111111111111111111111111111111"),
        ("crc32", "modula", "30330033333101333233330333333011133033330133"),
        ("crc32a", "ketama", "23331033201323033132130100303033312220322330"),
        ("crc32a", "modula", "03312000303333003020030303100311113003020133"),
        ("fnv1_64", "ketama", "33333333332222222222222222222233313122132132"),
        ("fnv1_64", "modula", "12333300231003332100230100333333330230033321"),
        ("fnv1a_64", "ketama", "33333333332222222222222222222211120322232332"),
        ("fnv1a_64", "modula", "30332301000021330303001233300122203331333001"),
        ("fnv1_32", "ketama", "00000000003333333333000000000000031300313013"),
        ("fnv1_32", "modula", "33000123303321003332331201303333331301303230"),
        ("fnv1a_32", "ketama", "31331030330003202233000320300333313333021223"),
        ("fnv1a_32", "modula", "10330332031330023333331032033122220303113130"),
        ("hsieh", "ketama", "10303333323333003300030203311233303303101013"),
        ("hsieh", "modula", "30200133311313003320011331320300002230033030"),
        ("murmur", "ketama", "00203330233333323333301303203333322133102330"),
        ("murmur", "modula", "23121122333301311033220123303333310303302330"),
        ("jenkins", "ketama", "31333300303110033333330013333300023323002133"),
        ("jenkins", "modula", "21233332220230033003303113002033302023000330"),
    ];
}
