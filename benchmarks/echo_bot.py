"""The baseline of the throughput benchmark: a bare python-telegram-bot echo bot behind
an aiohttp webhook, as PTB's examples/customwebhookbot builds it (an Application with no
Updater inside our own web server), answering every update with one message.

`--transport httpx` keeps PTB's default HTTPXRequest; `--transport aiohttp` uses the
service's transport (bot/channels/telegram/transport.py). The route processes the update
before answering, as the service does. Prints its base URL on the first line of stdout.
"""

import argparse
import asyncio
import hmac

from aiohttp import web
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.channels.telegram.transport import AiohttpRequest

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def build(token: str, api_url: str, transport: str) -> Application:  # type: ignore[type-arg]
    builder = (Application.builder().token(token).base_url(f"{api_url}/bot")
               .base_file_url(f"{api_url}/file/bot").updater(None))
    if transport == "aiohttp":
        builder = builder.request(AiohttpRequest())
    application = builder.build()
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    return application


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await context.bot.send_message(message.chat_id, message.text or "ok")


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is not None and update.effective_chat is not None:
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, query.data or "ok")


async def serve(args: argparse.Namespace) -> None:
    application = build(args.token, args.api, args.transport)

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), args.secret.encode()):
            return web.Response(status=401)
        await application.process_update(Update.de_json(await request.json(), application.bot))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/webhook/telegram", webhook)
    runner = web.AppRunner(app, access_log=None)
    async with application:
        await application.start()
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f"http://127.0.0.1:{port}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
            await application.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--api", required=True, help="the Bot API's base URL")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--transport", choices=["httpx", "aiohttp"], default="httpx")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
