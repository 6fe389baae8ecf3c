"""Media on Matrix against a real Synapse: removed or asked to be removed, never downloaded.

Plain and encrypted attachments alike: the bot gives the kind refusal with how to hash on
one's own device, and the homeserver's media repository shows no download by it.
"""

from __future__ import annotations

from pathlib import Path

from nio.crypto.attachments import encrypt_attachment

from tests.e2e.matrix_talk import CATALOGS, talking
from tests.e2e.synapse import Synapse

REMOVE_ASK = CATALOGS.text("en", "matrix.media.remove")


async def test_media_is_never_downloaded_and_the_person_is_asked_to_remove_it(
    synapse: Synapse, tmp_path: Path
) -> None:
    async with talking(synapse, tmp_path) as talk:
        person, room = talk.person, talk.room
        address = await person.upload(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
        for content in (
            {"msgtype": "m.image", "body": "me.png", "url": address, "info": {"w": 1, "h": 1}},
            {"msgtype": "m.video", "body": "me.mp4", "url": address},
            {"msgtype": "m.file", "body": "me.zip", "url": address},
        ):
            before = len(person.said(room))
            await person.send(room, content)
            await person.expect(room, CATALOGS.text("en", "media.refused"), after=before)
            await person.expect(room, REMOVE_ASK, after=before)
        before = len(person.said(room))
        await person.send(room, {"body": "hi", "url": address, "info": {}}, kind="m.sticker")
        await person.expect(room, REMOVE_ASK, after=before)
        # With the power to, the bot removes it itself and asks nothing.
        await person.let_bot_redact(room, talk.bot.user_id)
        before = len(person.said(room))
        image = await person.send(room, {"msgtype": "m.image", "body": "a.png", "url": address})
        await person.expect(room, CATALOGS.text("en", "media.refused"), after=before)
        await person.wait(lambda: image in person.redacted)
        assert not any(REMOVE_ASK in n.body for n in person.said(room)[before:])
    assert synapse.requests_logged() > 0
    assert synapse.media_downloads() == []


async def test_an_encrypted_attachment_in_an_encrypted_chat_is_never_downloaded(
    synapse: Synapse, tmp_path: Path
) -> None:
    async with talking(synapse, tmp_path, encrypted=True) as talk:
        person, room = talk.person, talk.room
        # As Element sends a picture in an encrypted chat: the file encrypted on the device,
        # its address and key under ``file`` (no ``url``), the whole event encrypted again.
        ciphertext, keys = encrypt_attachment(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
        address = await person.upload(ciphertext, mime="application/octet-stream")
        picture = {
            "msgtype": "m.image",
            "body": "me.png",
            "info": {"mimetype": "image/png", "size": len(ciphertext), "w": 1, "h": 1},
            "file": {"url": address, "mimetype": "image/png", **keys},
        }
        before = len(person.said(room))
        await person.send(room, picture)
        await person.expect(room, CATALOGS.text("en", "media.refused"), after=before)
        await person.expect(room, CATALOGS.text("en", "media.how_to_hash"), after=before)
        await person.expect(room, REMOVE_ASK, after=before)
        # The bot carries on.
        before = len(person.said(room))
        await person.say(room, "1")
        await person.expect(room, "asking for money", after=before)
    assert person.undecrypted == 0
    assert all(notice.encrypted for notice in person.said(room))
    assert synapse.requests_logged() > 0
    assert synapse.media_downloads() == []
