"""The chat's side of case handling: a use case's work made from the conversation's
context, and what it owes delivered from this chat (a message to this very chat counts
as a reply: bot.spine.context); the shared steps (bot.core.case_news) for the chat handlers."""

from collections.abc import Awaitable, Callable

from bot.core import case_news
from bot.core.casework import Done
from bot.core.work import DoorWork, Owed, Work
from bot.spine.context import Context
from bot.spine.messages import Reply
from complaints.case import Case
from complaints.people import Account


def work_of(ctx: Context) -> DoorWork:
    return Work(ctx.uow, ctx.now, ctx.settings, ctx.directory, ctx.calendars)


async def deliver_here(ctx: Context, owed: list[Owed]) -> None:
    """Put what a use case owes in the outbox, through the conversation."""
    for message in owed:
        chats = list(message.chats) if message.chats is not None else None
        if message.edit_of is not None:
            assert chats is not None
            await ctx.edit(message.edit_of, chats[0], message.to, message.build,
                           case_id=message.case_id)
        elif message.key is not None:
            await ctx.notifier.notify(message.to, message.build, key=message.key, chats=chats,
                                      case_id=message.case_id,
                                      card_case_id=message.card_case_id)
        else:
            await ctx.notify(message.to, message.build, case_id=message.case_id,
                             card_case_id=message.card_case_id, chats=chats)


async def act(ctx: Context, done: Awaitable[Done], work: DoorWork, *, ends_dialog: bool = True
              ) -> None:
    """Carry out a staff action: the case's cards are redrawn, its dialog is over, the
    actor is told, then the others are."""
    result = await done
    redrawn = [owed for owed in work.owed if owed.edit_of is not None]
    await deliver_here(ctx, redrawn)
    if ends_dialog:
        ctx.dialog.reset()
    await ctx.reply(Reply(result.told()))
    await deliver_here(ctx, [owed for owed in work.owed if owed.edit_of is None])


async def show_card(ctx: Context, case: Case) -> None:
    """Show the card (with its photos) to the person writing."""
    assert case.id is not None
    work = work_of(ctx)
    build = await case_news.card_for(work, case, ctx.account)
    await ctx.reply(build(), card_case_id=case.id)
    await case_news.send_photos(work, case, ctx.account, (ctx.chat,))
    await deliver_here(ctx, work.owed)


async def send_card_to_unit(ctx: Context, case: Case) -> list[Account]:
    work = work_of(ctx)
    readers = await case_news.send_card_to_unit(work, case)
    await deliver_here(ctx, work.owed)
    return readers


async def save_and_refresh(ctx: Context, case: Case) -> None:
    work = work_of(ctx)
    await case_news.save_and_refresh(work, case)
    await deliver_here(ctx, work.owed)


async def notify_handlers(ctx: Context, case: Case, build: Callable[[], Reply]) -> None:
    work = work_of(ctx)
    await case_news.tell_handlers(work, case, build)
    await deliver_here(ctx, work.owed)
