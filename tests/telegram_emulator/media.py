"""Acting as users who send files: photos, documents, videos, GIFs, stickers, voice notes,
round videos and audio, with file ids, sizes and PhotoSize lists shaped as on Telegram.

What belongs here: `MediaActions`, the media half of the user actions (the rest is in
`users.py`), and the registry of sent files that getFile and `/file/bot<token>/...` serve.
"""

from __future__ import annotations

import hashlib

from .model import JSON, FakeUser, StoredFile
from .users import ChatRef, UserActions

# First byte of a file id encodes the kind of file, as on Telegram.
_KIND_TAGS = {
    "photos": 2,
    "voice": 3,
    "videos": 4,
    "documents": 5,
    "stickers": 8,
    "music": 9,
    "animations": 10,
    "video_notes": 13,
}


def _filler(seed: str, size: int) -> bytes:
    block = hashlib.sha256(seed.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


class MediaActions(UserActions):
    """User actions that send files; safe to call from any thread."""

    def _new_file(self, kind: str, ext: str, content: bytes | None, size: int) -> JSON:
        file_id, unique_id = self.ids.file_ids(_KIND_TAGS[kind])
        data = content if content is not None else _filler(file_id, size)
        path = f"{kind}/file_{len(self.files)}.{ext}"
        self.files[file_id] = StoredFile(file_id, unique_id, len(data), path, data)
        return {"file_id": file_id, "file_unique_id": unique_id, "file_size": len(data)}

    @staticmethod
    def _caption(caption: str | None) -> JSON:
        return {} if caption is None else {"caption": caption}

    def user_sends_photo(
        self,
        chat: ChatRef,
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
        content: bytes | None = None,
        user: FakeUser | None = None,
        media_group_id: str | None = None,
    ) -> JSON:
        """A photo as a list of PhotoSize, smallest first, the last one full size."""
        with self._lock:
            sizes: list[JSON] = []
            longest = max(width, height)
            for limit in (90, 320, 800):
                if limit < longest:
                    w, h = width * limit // longest, height * limit // longest
                    sizes.append(self._new_file("photos", "jpg", None, max(w * h // 20, 64)))
                    sizes[-1].update(width=max(w, 1), height=max(h, 1))
            full = self._new_file("photos", "jpg", content, max(width * height // 20, 64))
            sizes.append({**full, "width": width, "height": height})
            fields: JSON = {"photo": sizes, **self._caption(caption)}
            if media_group_id is not None:
                fields["media_group_id"] = media_group_id
            return self._user_message(chat, fields, user=user)

    def user_sends_document(
        self,
        chat: ChatRef,
        *,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        content: bytes | None = None,
        caption: str | None = None,
        user: FakeUser | None = None,
    ) -> JSON:
        with self._lock:
            ext = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
            document = self._new_file("documents", ext, content, 4096)
            document.update(file_name=file_name, mime_type=mime_type)
            return self._user_message(
                chat, {"document": document, **self._caption(caption)}, user=user
            )

    def user_sends_video(
        self,
        chat: ChatRef,
        *,
        width: int = 1280,
        height: int = 720,
        duration: int = 4,
        caption: str | None = None,
        content: bytes | None = None,
        user: FakeUser | None = None,
    ) -> JSON:
        with self._lock:
            video = self._new_file("videos", "mp4", content, 65536)
            video.update(width=width, height=height, duration=duration, mime_type="video/mp4")
            return self._user_message(chat, {"video": video, **self._caption(caption)}, user=user)

    def user_sends_animation(
        self,
        chat: ChatRef,
        *,
        width: int = 320,
        height: int = 240,
        duration: int = 2,
        caption: str | None = None,
        content: bytes | None = None,
        user: FakeUser | None = None,
    ) -> JSON:
        """A GIF: Telegram sets both `animation` and, for compatibility, `document`."""
        with self._lock:
            file = self._new_file("animations", "mp4", content, 32768)
            names = {"file_name": "animation.gif.mp4", "mime_type": "video/mp4"}
            animation = {**file, "width": width, "height": height, "duration": duration, **names}
            fields = {"animation": animation, "document": {**file, **names}}
            return self._user_message(chat, {**fields, **self._caption(caption)}, user=user)

    def user_sends_sticker(
        self,
        chat: ChatRef,
        *,
        emoji: str = "🙂",
        set_name: str = "TestStickers",
        is_animated: bool = False,
        is_video: bool = False,
        user: FakeUser | None = None,
    ) -> JSON:
        with self._lock:
            ext = "tgs" if is_animated else "webm" if is_video else "webp"
            sticker = self._new_file("stickers", ext, None, 16384)
            sticker.update(
                type="regular",
                width=512,
                height=512,
                is_animated=is_animated,
                is_video=is_video,
                emoji=emoji,
                set_name=set_name,
            )
            return self._user_message(chat, {"sticker": sticker}, user=user)

    def user_sends_voice(
        self,
        chat: ChatRef,
        *,
        duration: int = 3,
        content: bytes | None = None,
        user: FakeUser | None = None,
    ) -> JSON:
        with self._lock:
            voice = self._new_file("voice", "oga", content, 8192)
            voice.update(duration=duration, mime_type="audio/ogg")
            return self._user_message(chat, {"voice": voice}, user=user)

    def user_sends_video_note(
        self,
        chat: ChatRef,
        *,
        duration: int = 5,
        length: int = 384,
        user: FakeUser | None = None,
    ) -> JSON:
        with self._lock:
            note = self._new_file("video_notes", "mp4", None, 65536)
            note.update(length=length, duration=duration)
            return self._user_message(chat, {"video_note": note}, user=user)

    def user_sends_audio(
        self,
        chat: ChatRef,
        *,
        duration: int = 180,
        performer: str = "Performer",
        title: str = "Title",
        file_name: str = "song.mp3",
        caption: str | None = None,
        user: FakeUser | None = None,
    ) -> JSON:
        with self._lock:
            audio = self._new_file("music", "mp3", None, 131072)
            audio.update(
                duration=duration,
                performer=performer,
                title=title,
                file_name=file_name,
                mime_type="audio/mpeg",
            )
            return self._user_message(chat, {"audio": audio, **self._caption(caption)}, user=user)

    def file_content(self, file_id: str) -> bytes:
        with self._lock:
            return self.files[file_id].content
