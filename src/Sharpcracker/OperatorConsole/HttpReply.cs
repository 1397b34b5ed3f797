using System.Text;

namespace Sharpcracker.OperatorConsole;

/// <summary>One response of the metrics port's HTTP responder.</summary>
internal sealed record HttpReply(int Status, string ContentType, byte[] Body, string? ExtraHeaders = null)
{
    public const string TextPlain = "text/plain; charset=utf-8";
    public const string Json = "application/json";

    public static HttpReply Text(int status, string body) => new(status, TextPlain, Encoding.UTF8.GetBytes(body));

    public string Reason => Status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
