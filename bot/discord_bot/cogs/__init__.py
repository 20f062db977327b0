"""One cog per feature; mention mode only when the message-content intent is on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.discord_bot.client import NewsBot


async def load_cogs(bot: NewsBot) -> None:
    from bot.discord_bot.cogs.about import AboutCog
    from bot.discord_bot.cogs.ask import AskCog
    from bot.discord_bot.cogs.help import HelpCog
    from bot.discord_bot.cogs.lookup import LookupCog
    from bot.discord_bot.cogs.mentions import MentionCog

    await bot.add_cog(AskCog(bot))
    await bot.add_cog(LookupCog(bot))
    await bot.add_cog(AboutCog(bot))
    await bot.add_cog(HelpCog(bot))
    if bot.settings.discord_message_content:
        await bot.add_cog(MentionCog(bot))
