"""Hash types shared by the on-device companion and the bot, and the hash code that carries them."""
