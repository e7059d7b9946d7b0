from django.urls import path

from reminders import views

urlpatterns: list = [
    path("replies/", views.replies, name="sms-replies"),
    path("replies/<int:reply_id>/read/", views.reply_mark_read, name="sms-reply-read"),
]
