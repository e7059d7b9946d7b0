"""The safeguarding contact's form: the note that goes with marking a child's entry reviewed."""

from __future__ import annotations

from django import forms

NOTE_MAX = 2000


class ReviewNoteForm(forms.Form):
    note = forms.CharField(
        label="What was done or decided (optional)",
        required=False,
        strip=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"The note is longer than {NOTE_MAX} characters: nothing was saved. Shorten it."},
    )

    def __init__(self, *args, entry_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if entry_id is not None:  # one form a row: each note's control has the entry's own id
            self.fields["note"].widget.attrs["id"] = f"note-{entry_id}"
